import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EstimatorName, isEstimatorName } from '../estimators/registry.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { nonNegativeInteger, positiveInteger } from '../optim/check.js';
import type { OptimizerName, ScheduleName } from '../optim/registry.js';
import { ACTIVITY_VARIANT_OPTION, type ActivityVariant } from '../estimators/activity-noise.js';
import type { OptionValue } from '../estimators/options.js';
import { LOCAL_OBJECTIVE_OPTION, type LocalObjective } from '../estimators/local-graph.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { descriptor } from '../estimators/registry.js';
import { CHECKPOINT_FILE, SUMMARY_FILE, type StepInfo, type Summary, train } from '../train/trainer.js';

/** The methods of the paper's Table 3, in its row order. */
export const LOCAL_LOSS_GRID = ['bp', 'l-bp', 'lg-bp', 'fa', 'l-fa', 'lg-fa', 'dfa', 'fg-w', 'fg-a', 'lg-fg-w', 'lg-fg-a'] as const;

type GridMethod = (typeof LOCAL_LOSS_GRID)[number];
export type LocalLossMethod = Extract<EstimatorName, GridMethod>;

export const LOCAL_LOSSES_JSON = 'local-losses.json';
export const LOCAL_LOSSES_MD = 'local-losses.md';

/**
 * Table 3 of Ren, Kornblith, Liao & Hinton, "Scaling Forward Gradient With Local Losses"
 * (ICLR 2023, arXiv 2210.03310): supervised test / train error %, one column per preset.
 */
const PAPER_PRESETS = [
  { dataset: 'MNIST', model: 'localmixer:S/1/1' },
  { dataset: 'MNIST', model: 'localmixer:M/1/16' },
  { dataset: 'CIFAR-10', model: 'localmixer:M/8/16' },
] as const;
const PAPER_ERRORS: Readonly<Record<GridMethod, readonly (readonly [number, number])[]>> = {
  bp: [[2.66, 0], [2.41, 0], [33.62, 0]],
  'l-bp': [[2.38, 0], [2.16, 0], [30.75, 0]],
  'lg-bp': [[2.43, 0], [2.81, 0], [33.84, 0.05]],
  fa: [[2.82, 0], [2.9, 0], [39.94, 28.44]],
  'l-fa': [[3.21, 0], [2.9, 0], [39.74, 28.98]],
  'lg-fa': [[3.11, 0], [2.5, 0], [39.73, 32.32]],
  dfa: [[3.31, 0], [3.17, 0], [38.8, 33.69]],
  'fg-w': [[9.25, 8.93], [8.56, 8.64], [55.95, 54.28]],
  'fg-a': [[3.24, 1.53], [3.76, 1.75], [59.72, 41.29]],
  'lg-fg-w': [[9.25, 8.93], [5.66, 4.59], [52.7, 51.71]],
  'lg-fg-a': [[3.24, 1.53], [2.55, 0], [30.68, 19.39]],
};
/** How the paper's data differs from ours, said under its numbers. */
const PAPER_DATA: Readonly<Record<string, string>> = {
  MNIST: 'the full MNIST (60,000 training / 10,000 test images)',
  'CIFAR-10': 'the full CIFAR-10 (50,000 training / 10,000 test images)',
};

export interface LocalLossOptions {
  /** A dataset spec, see loadDataset. */
  readonly dataset: string;
  /** A model spec, see modelFromSpec; the paper's presets are localmixer:S/1/1, M/1/16 (MNIST) and M/8/16 (CIFAR-10). */
  readonly model: string;
  readonly epochs: number;
  /** Default: every method of the grid that the estimator registry has. */
  readonly methods?: readonly string[];
  /** Run directory: `<out>/<method>/` per method, and the results files. */
  readonly out: string;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly optimizer?: OptimizerName;
  /** One learning rate for every method, or rates by method; the rest use each method's default. */
  readonly lr?: number | Readonly<Partial<Record<LocalLossMethod, number>>>;
  /** Directions per step for the perturbation methods (fg-w, fg-a, lg-fg-w, lg-fg-a; the others ignore it). */
  readonly directions?: number;
  /** Activity perturbation's variant for fg-a and lg-fg-a: 'per-site' (ours, the default) or 'block' (Ren et al.'s code). */
  readonly variant?: ActivityVariant;
  /** The local-loss methods' block losses: 'supervised' (Table 3) or 'contrastive' (InfoNCE between two views, Table 4). */
  readonly localLoss?: LocalObjective;
  /** Standardise inputs by the training split's mean and std (the paper's preprocessing). */
  readonly normalize?: boolean;
  /** Learning-rate schedule and its linear warmup (default: the trainer's cosine, no warmup). */
  readonly schedule?: ScheduleName;
  readonly warmupSteps?: number;
  /** Momentum of the momentum and nesterov optimizers, and (decoupled for adamw) weight decay. */
  readonly momentum?: number;
  readonly weightDecay?: number;
  /** Stop each method after this many steps (quick checks). */
  readonly steps?: number;
  readonly device?: string;
  readonly threads?: number;
}

/** The options as run, stored with the results. */
export interface LocalLossConfig extends Omit<LocalLossOptions, 'methods' | 'seed' | 'batchSize' | 'optimizer' | 'device'> {
  readonly methods: readonly LocalLossMethod[];
  readonly seed: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly device: string;
}

/** The method options the experiment sets, each given only to the methods whose descriptor takes it. */
const METHOD_OPTIONS = ['directions', 'variant', 'localLoss'] as const satisfies readonly (keyof LocalLossOptions)[];

/** The training settings the experiment may change from the trainer's defaults. */
const TRAINING_KEYS = ['normalize', 'schedule', 'warmupSteps', 'momentum', 'weightDecay'] as const satisfies readonly (keyof LocalLossOptions & keyof TrainConfig)[];

interface RowBase {
  readonly method: LocalLossMethod;
  readonly lr: number;
  /** The method's run directory. */
  readonly dir: string;
}

export interface TrainedRow extends RowBase {
  /** Percentages, as in the paper. */
  readonly test_error: number;
  readonly train_error: number;
  readonly test_acc: number;
  readonly train_acc: number;
  readonly queries: number;
  readonly wall_s: number;
  readonly steps: number;
  readonly epochs: number;
  /** The summary came from an earlier run in `dir`. */
  readonly reused: boolean;
}

export interface FailedRow extends RowBase {
  readonly error: string;
}

export type MethodRow = TrainedRow | FailedRow;

export interface LocalLossReport {
  readonly config: LocalLossConfig;
  /** One per method, in the grid's order. */
  readonly rows: readonly MethodRow[];
  /** The table written to local-losses.md. */
  readonly markdown: string;
}

export interface LocalLossHooks {
  /** Each step of the method training now, for a progress display. */
  readonly onStep?: (method: LocalLossMethod, info: StepInfo) => void;
  /** Each method's row as soon as it is known. */
  readonly onRow?: (row: MethodRow) => void;
}

/** The grid's methods that the estimator registry has now; the others cannot run yet. */
export function localLossMethods(): LocalLossMethod[] {
  return LOCAL_LOSS_GRID.filter((m): m is LocalLossMethod => isEstimatorName(m));
}

/** Checks method names against localLossMethods() and puts them in the grid's order; `what` names the parameter in errors. */
export function resolveMethods(names: readonly string[] = localLossMethods(), what = 'methods'): LocalLossMethod[] {
  const valid = localLossMethods();
  const unknown = names.find((name) => !(valid as readonly string[]).includes(name));
  if (unknown !== undefined) throw new RangeError(`${what}: unknown method '${unknown}'; valid: ${valid.join(', ')}`);
  if (names.length === 0) throw new RangeError(`${what} must name at least one method`);
  return valid.filter((m) => names.includes(m));
}

/**
 * Trains each method of the paper's Table 3 grid once (one seed) with `train`, each in
 * `<out>/<method>/`, and writes `<out>/local-losses.json` and `<out>/local-losses.md`.
 * A method that fails gets its error in its row and the others still run. Re-running
 * with the same `out` reuses every method whose summary.json is the result of the same
 * configuration and continues one whose checkpoint is from an interrupted (or shorter)
 * run; delete a method's directory to train it afresh.
 */
export async function runLocalLossExperiment(options: LocalLossOptions, hooks: LocalLossHooks = {}): Promise<LocalLossReport> {
  if (typeof options.out !== 'string' || options.out === '') throw new TypeError(`out must name the experiment directory, got ${JSON.stringify(options.out)}`);
  const methods = resolveMethods(options.methods);
  const config: LocalLossConfig = {
    ...options,
    methods,
    seed: nonNegativeInteger('seed', options.seed ?? DEFAULT_CONFIG.seed),
    batchSize: positiveInteger('batchSize', options.batchSize ?? DEFAULT_CONFIG.batchSize),
    optimizer: options.optimizer ?? DEFAULT_CONFIG.optimizer,
    device: options.device ?? DEFAULT_CONFIG.device,
  };
  positiveInteger('epochs', config.epochs);
  if (config.steps !== undefined) positiveInteger('steps', config.steps);
  if (typeof config.lr === 'object') resolveMethods(Object.keys(config.lr), 'lr');
  if (config.variant !== undefined && !ACTIVITY_VARIANT_OPTION.choices!.includes(config.variant)) throw new RangeError(`variant must be one of ${ACTIVITY_VARIANT_OPTION.choices!.join(', ')}, got '${String(config.variant)}'`);
  if (config.warmupSteps !== undefined) nonNegativeInteger('warmupSteps', config.warmupSteps);
  if (config.localLoss !== undefined && !LOCAL_OBJECTIVE_OPTION.choices!.includes(config.localLoss)) throw new RangeError(`localLoss must be one of ${LOCAL_OBJECTIVE_OPTION.choices!.join(', ')}, got '${String(config.localLoss)}'`);
  const global = methods.filter((m) => !('localLoss' in descriptor(m).options));
  if (config.localLoss === 'contrastive' && global.length > 0) {
    throw new RangeError(`methods: contrastive local losses are for the local-loss methods (${localLossMethods().filter((m) => 'localLoss' in descriptor(m).options).join(', ')}); ${global.join(', ')} would train a supervised loss`);
  }

  const rows: MethodRow[] = [];
  for (const method of methods) {
    const lr = typeof config.lr === 'number' ? config.lr : (config.lr?.[method] ?? descriptor(method).defaultLearningRate);
    const dir = join(config.out, method);
    const trainConfig: TrainConfig = {
      ...DEFAULT_CONFIG,
      dataset: config.dataset,
      model: config.model,
      method,
      epochs: config.epochs,
      batchSize: config.batchSize,
      optimizer: config.optimizer,
      lr,
      seed: config.seed,
      device: config.device,
      ...(config.steps !== undefined && { steps: config.steps }),
      ...Object.fromEntries(TRAINING_KEYS.flatMap((key) => (config[key] === undefined ? [] : [[key, config[key]]]))),
      // Directions and the variant go to the methods that take them (their descriptors say).
      ...methodOptions(method, config),
      ...(config.threads !== undefined && { threads: config.threads }),
    };
    let row: MethodRow;
    try {
      const { summary, reused } = await runMethod(trainConfig, dir, (info) => hooks.onStep?.(method, info));
      row = {
        method,
        lr,
        dir,
        test_error: errorPercent(summary.test_acc),
        train_error: errorPercent(summary.train_acc),
        test_acc: summary.test_acc,
        train_acc: summary.train_acc,
        queries: summary.queries,
        wall_s: summary.wall_s,
        steps: summary.steps,
        epochs: summary.epochs,
        reused,
      };
    } catch (e) {
      row = { method, lr, dir, error: e instanceof Error ? e.message : String(e) };
    }
    rows.push(row);
    hooks.onRow?.(row);
  }

  const markdown = localLossMarkdown(config, rows);
  await writeFileAtomic(join(config.out, LOCAL_LOSSES_JSON), `${JSON.stringify({ config, rows }, null, 2)}\n`);
  await writeFileAtomic(join(config.out, LOCAL_LOSSES_MD), markdown);
  return { config, rows, markdown };
}

/**
 * The summary in `dir` when it is the result of this very configuration: its checkpoint
 * has the same settings, at the summary's step (a later run that failed may have left a
 * newer checkpoint beside an older summary). Otherwise trains, continuing the checkpoint
 * if there is one, which `train` refuses when more than a budget changed.
 */
async function runMethod(config: TrainConfig, dir: string, onStep: (info: StepInfo) => void): Promise<{ summary: Summary; reused: boolean }> {
  const checkpointPath = join(dir, CHECKPOINT_FILE);
  const summaryPath = join(dir, SUMMARY_FILE);
  const hasCheckpoint = existsSync(checkpointPath);
  if (hasCheckpoint && existsSync(summaryPath)) {
    const saved = await loadCheckpoint(checkpointPath);
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as Summary;
    if (sameRun(saved.config, config) && summary.steps === saved.progress.step) return { summary, reused: true };
  }
  return { summary: await train(config, { out: dir, resume: hasCheckpoint, onStep }), reused: false };
}

function methodOptions(method: LocalLossMethod, config: LocalLossConfig): { options?: Record<string, OptionValue> } {
  const takes = descriptor(method).options;
  const options = Object.fromEntries(METHOD_OPTIONS.flatMap((key) => (config[key] !== undefined && key in takes ? [[key, config[key]!]] : [])));
  return Object.keys(options).length > 0 ? { options } : {};
}

/** 100·(1 − accuracy) to four decimals, so that 0.90275 reads 9.725 rather than 9.724999999999994. */
const errorPercent = (accuracy: number) => Math.round(1e6 * (1 - accuracy)) / 1e4;

/** Where and how fast a run executes does not change its numbers. */
const RUNTIME_KEYS: readonly string[] = ['threads', 'device'] satisfies (keyof TrainConfig)[];

function sameRun(saved: Readonly<Record<string, unknown>>, config: TrainConfig): boolean {
  const current = config as unknown as Readonly<Record<string, unknown>>;
  return Object.keys({ ...saved, ...current }).every((key) => RUNTIME_KEYS.includes(key) || JSON.stringify(saved[key]) === JSON.stringify(current[key]));
}

/** The results as a markdown table shaped like the paper's Table 3, with its numbers beside ours for its presets. */
export function localLossMarkdown(config: LocalLossConfig, rows: readonly MethodRow[]): string {
  const preset = PAPER_PRESETS.findIndex((p) => p.model === config.model && p.dataset === paperDataset(config.dataset));
  const pair = (test: number, train: number) => `${test.toFixed(2)} / ${train.toFixed(2)}`;
  const cells = (row: MethodRow) => {
    const ours = 'error' in row ? `failed: ${row.error.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}` : pair(row.test_error, row.train_error);
    return [row.method, String(row.lr), ours, ...(preset >= 0 ? [pair(...PAPER_ERRORS[row.method][preset]!)] : [])];
  };
  const header = ['method', 'lr', 'test error % / train error %', ...(preset >= 0 ? [`paper (${PAPER_PRESETS[preset]!.dataset} ${PAPER_PRESETS[preset]!.model.split(':')[1]})`] : [])];
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  const budget = `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}${config.steps !== undefined ? ` (at most ${config.steps} steps)` : ''}${config.directions !== undefined ? `, ${config.directions} directions per step for the perturbation methods` : ''}${config.variant !== undefined ? `, activity perturbation variant '${config.variant}'` : ''}${config.localLoss === 'contrastive' ? ', contrastive local losses (InfoNCE between two augmented views; the readout learns on the frozen features)' : ''}`;
  const schedule = `${config.schedule ?? DEFAULT_CONFIG.schedule} schedule${config.warmupSteps ? ` with ${config.warmupSteps} warmup steps` : ''}`;
  const extras = [
    config.momentum !== undefined && `momentum ${config.momentum}`,
    config.weightDecay && `weight decay ${config.weightDecay}`,
    config.normalize && "inputs standardised by the training split's mean and std",
  ].filter(Boolean);
  const lines = [
    `# Local losses: ${config.dataset}, ${config.model}`,
    '',
    `One run per method, seed ${config.seed}: ${budget}, batch ${config.batchSize}, ${config.optimizer} with a ${schedule}${extras.map((e) => `, ${e}`).join('')}; each run is in \`${join(config.out, '<method>')}\`.`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map((row) => line(cells(row))),
  ];
  if (preset >= 0) {
    const dataset = PAPER_PRESETS[preset]!.dataset;
    lines.push(
      '',
      `Paper: Ren, Kornblith, Liao & Hinton, "Scaling Forward Gradient With Local Losses" (ICLR 2023), Table 3. ` +
        `It used ${PAPER_DATA[dataset]} and different training settings (optimizer, learning rates, epochs), so its numbers are a reference, not a target.` +
        (config.dataset === 'mnist' ? ' This run\'s `mnist` is the embedded 8,000 / 2,000 subset.' : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The paper's name for the data a spec loads, if the paper used it. */
function paperDataset(spec: string): string | undefined {
  if (spec === 'mnist') return 'MNIST';
  if (spec.startsWith('cifar10:')) return 'CIFAR-10';
  return undefined;
}
