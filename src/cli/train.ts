import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { ALLOCATORS } from '../allocators/registry.js';
import { ESTIMATORS, descriptor } from '../estimators/registry.js';
import { OBJECTIVE_SPECS } from '../objectives/objective.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../optim/registry.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { CHECKPOINT_FILE, type EpochMetrics, type TrainOptions, train } from '../train/trainer.js';
import { ConfigError, validateConfig } from '../train/validate.js';
import { CORRECTION_MODES } from '../train/hooks/gradient-correction.js';
import { SUBNET_DEFAULTS } from '../train/run-hooks.js';
import { type Command, UsageError, parseFlags, parseFlagsOnly } from './args.js';
import { ADAPT_FLAGS, adaptConfig, adaptFlagSpecs } from './adapt-flags.js';
import { methodFlagSpecs, methodOptions } from './method-flags.js';
import { ProgressBar, formatDuration, timestamp } from './progress.js';
import { WorkerPoolOracle } from '../scale/pool.js';
import type { CoordinatorStats } from '../scale/nats-oracle.js';
import { natsConnect } from '../scale/nats-node.js';
import { coordinatorConfig, trainOverNats } from '../scale/nats-train.js';
import { NATS_FLAGS, natsOptions } from './nats-flags.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

const d = DEFAULT_CONFIG;

/** Held-out examples for exploration when --holdout is not given. */
const EXPLORE_HOLDOUT = 1000;

export const trainCommand = {
  name: 'train',
  summary: `Trains a model with a forward-only gradient estimator (or backprop, the baseline) and reports accuracy per epoch.
With no flags: ${d.method} on the embedded MNIST (8,000 train / 2,000 test digits), an MLP 784-256-256-10, ${d.epochs} epochs.`,
  flags: {
    dataset: { type: 'string', default: d.dataset, help: `data: ${DATASET_SPECS.join(' | ')}` },
    classes: { type: 'string', help: 'train and test on these classes only, e.g. 0-4 or 1,3,5 (labels unchanged)' },
    normalize: { type: 'boolean', help: "standardise inputs per channel by the training split's mean and std (default: pixels in [0, 1])" },
    init: { type: 'string', help: 'start from the parameters of this run directory or checkpoint (same model)' },
    model: { type: 'string', default: d.model, help: 'mlp (<in>-256-256-<out> from the data) | mlp:<in>-<hidden>-…-<out>[:gelu|:sigmoid:sigmoid[:variation=<σ>]] | cnn | cnn:cifar10 | localmixer:<S/1/1|M/1/16|M/8/16|L/8/64> | vit:<tiny|small> | onnx:<file> (starts from its weights)' },
    ...adaptFlagSpecs,
    objective: { type: 'string', default: d.objective, help: `what is minimised: ${OBJECTIVE_SPECS.join(' | ')}` },
    method: { type: 'string', default: d.method, choices: Object.keys(ESTIMATORS), help: 'gradient estimator (its options follow below)' },
    epochs: { type: 'integer', default: d.epochs, min: 1, help: 'passes over the training data' },
    'batch-size': { type: 'integer', default: d.batchSize, min: 1, help: 'examples per step' },
    lr: { type: 'number', min: 0, help: "learning rate (default: the method's, see README)" },
    optimizer: { type: 'string', choices: OPTIMIZER_NAMES, help: `update rule (default: the method's: ${defaultOptimizers()})` },
    schedule: { type: 'string', default: d.schedule, choices: SCHEDULE_NAMES, help: 'learning-rate schedule' },
    'warmup-steps': { type: 'integer', default: d.warmupSteps, min: 0, help: 'linear warmup steps (cosine schedule)' },
    momentum: { type: 'number', default: d.momentum, min: 0, help: 'momentum for the momentum and nesterov optimizers' },
    'weight-decay': { type: 'number', default: d.weightDecay, min: 0, help: 'weight decay (decoupled for adamw)' },
    clip: { type: 'number', default: d.clip, min: 0, help: 'clip the gradient estimate to this global norm (0: off)' },
    seed: { type: 'integer', default: d.seed, min: 0, help: 'seed of initialisation, data order and noise' },
    allocator: { type: 'string', choices: Object.keys(ALLOCATORS), help: `split each step's queries between examples (${allocating()})` },
    'allocator-statistics': { type: 'string', choices: ['running', 'fresh'], help: "with --allocator: per-example statistics from earlier visits (running) or a pilot at each step's θ (fresh; default for flops)" },
    'queries-per-example': { type: 'number', min: 1, help: `with --allocator: average queries per example per step (default ${Object.entries(ESTIMATORS).flatMap(([m, e]) => ('allocation' in e && e.allocation ? [`${m} ${e.allocation.queriesPerExample}`] : [])).join(', ')})` },
    queries: { type: 'number', min: 1, help: 'pause once the run has spent this many queries in all (forward evaluations × examples); never exceeded' },
    steps: { type: 'integer', min: 1, help: 'pause once the run has made this many steps in all, resumes included (a resume continues exactly)' },
    seconds: { type: 'number', min: 0, help: 'pause once the run has trained this many seconds in all' },
    subnets: { type: 'string', help: 'sparse sub-nets trained in turn (AST): densities 0.1,0.05,0.02 or N:M patterns 2:4,1:4,1:8; one is plain sparse training' },
    correction: { type: 'string', choices: ['none', ...CORRECTION_MODES], help: 'gradient correction between consecutive sub-nets (default plain with 2+ sub-nets)' },
    'mask-every': { type: 'integer', min: 1, help: `with --subnets: prune, regrow or re-choose the masks every this many steps (default ${SUBNET_DEFAULTS.maskEvery})` },
    'prune-until': { type: 'number', min: 0, help: `with --subnets: share of the plan over which density sub-nets are pruned from dense (default ${SUBNET_DEFAULTS.pruneUntil}; 0: sparse from the start)` },
    'sparse-params': { type: 'string', help: 'with --subnets: parameter-name globs the masks cover (default: every weight of rank ≥ 2)' },
    explore: { type: 'string', help: 'explore around updates (ExploRLer): every=<steps>,anchors=<k>[,moves=60,keep=20,neighbours=6,momentum=0.9,step=0.001,epsilon=0.5]' },
    holdout: { type: 'integer', min: 1, help: `training examples held out to score exploration candidates (default ${EXPLORE_HOLDOUT} with --explore)` },
    out: { type: 'string', help: 'run directory for checkpoint, metrics.jsonl and summary.json (default: runs/<time>-<method>)' },
    resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint' },
    json: { type: 'boolean', help: 'print one JSON object per epoch and a summary object last' },
    'eval-batch-size': { type: 'integer', default: d.evalBatchSize, min: 1, help: 'examples per evaluation call' },
    threads: { type: 'integer', min: 1, max: MAX_THREADS, help: 'onnxruntime intra-op threads (default: the count a resumed run recorded; 1 with --workers or --nats; else FORWARDPROP_THREADS or one per core; never spinning); the numbers depend on it, and the run records it' },
    workers: { type: 'integer', min: 1, help: 'loss-only methods: evaluate each step\'s engine calls on this many worker threads, each with its own onnxruntime session (results identical to one process with the same --threads, 1 by default here)' },
    ...NATS_FLAGS,
    'nats-timeout': { type: 'number', default: 30, min: 0.001, help: 'with --nats: seconds a task waits for a worker\'s reply before it is re-issued' },
    'nats-deadline': { type: 'number', default: 120, min: 0.001, help: 'with --nats: seconds without an answer after which the run evaluates the step itself and stops with its checkpoint' },
    device: { type: 'string', default: d.device, help: 'execution device: cpu | webgpu | cuda …' },
    ...methodFlagSpecs,
  },
} as const satisfies Command;

/** Each method's default optimiser, for --help: the common one, then the exceptions. */
function defaultOptimizers(): string {
  const others = Object.entries(ESTIMATORS).flatMap(([m, e]) => (e.defaultOptimizer ? [`${e.defaultOptimizer.name} lr ${e.defaultOptimizer.lr} for ${m}`] : []));
  return [`${d.optimizer}`, ...others].join('; ');
}

function lossOnlyMethods(): string {
  return Object.entries(ESTIMATORS).flatMap(([m, e]) => (e.needs === 'losses' ? [m] : [])).join(', ');
}

function allocating(): string {
  return Object.entries(ESTIMATORS).flatMap(([m, e]) => ('allocation' in e && e.allocation ? [m] : [])).join(', ');
}

type Flags = ReturnType<typeof parseFlags<typeof trainCommand.flags>>['flags'];

/** Config keys and the flags that set them. */
const KEYS: readonly [keyof TrainConfig, keyof Flags][] = [
  ['dataset', 'dataset'], ['init', 'init'], ['model', 'model'], ['objective', 'objective'], ['method', 'method'], ['epochs', 'epochs'], ['batchSize', 'batch-size'], ['lr', 'lr'],
  ['optimizer', 'optimizer'], ['schedule', 'schedule'], ['warmupSteps', 'warmup-steps'], ['momentum', 'momentum'], ['weightDecay', 'weight-decay'],
  ['clip', 'clip'], ['seed', 'seed'], ['allocator', 'allocator'], ['allocatorStatistics', 'allocator-statistics'], ['queriesPerExample', 'queries-per-example'], ['queries', 'queries'], ['steps', 'steps'], ['seconds', 'seconds'],
  ['normalize', 'normalize'], ['evalBatchSize', 'eval-batch-size'], ['threads', 'threads'], ['device', 'device'], ['subnets', 'subnets'], ['correction', 'correction'], ['maskEvery', 'mask-every'],
  ['pruneUntil', 'prune-until'], ['sparseParams', 'sparse-params'], ['explore', 'explore'], ['holdout', 'holdout'],
];


/** The flag that sets a config key (for errors found in the config). */
export function flagOf(key: keyof TrainConfig): string {
  return key === 'classes' ? '--classes' : key === 'options' ? 'the method options' : `--${ADAPT_FLAGS[key] ?? KEYS.find(([k]) => k === key)?.[1] ?? key}`;
}

function configFrom(flags: Flags, only?: ReadonlySet<string>): Partial<TrainConfig> {
  const config: Record<string, unknown> = {};
  for (const [key, flag] of KEYS) if (flags[flag] !== undefined && (!only || only.has(flag))) config[key] = flags[flag];
  if (flags.classes !== undefined && (!only || only.has('classes'))) config.classes = parseClasses(flags.classes);
  return { ...(config as Partial<TrainConfig>), ...adaptConfig(flags, only) };
}

/** '0-4' or '1,3,5' (or both, '0-2,7') as a sorted list of class indices. */
export function parseClasses(text: string): number[] {
  const classes = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m || Number(m[2] ?? m[1]) < Number(m[1])) throw new UsageError(`--classes takes class indices and ranges like 0-4 or 1,3,5; got '${text}'`);
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) classes.add(c);
  }
  return [...classes].sort((a, b) => a - b);
}

export async function runTrain(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(trainCommand, argv);
  if (!parsed) return 0;
  const { flags, given } = parsed;
  if (flags.resume && !flags.out) throw new UsageError('--resume needs --out, the run directory to continue');

  let config: TrainConfig;
  if (flags.resume) {
    // The checkpoint's configuration, with any flags given now (budgets may grow; the rest must agree).
    const saved = (await loadCheckpoint(join(flags.out!, CHECKPOINT_FILE))).config as unknown as TrainConfig;
    const method = given.has('method') ? flags.method : saved.method;
    const { options, error } = methodOptions(method, given, flags);
    if (error) throw new UsageError(error);
    // Budgets limit the invocation they are given to: a resume carries none unless given again.
    const { queries: _q, steps: _s, seconds: _t, ...plan } = saved;
    config = { ...plan, ...configFrom(flags, given), options: { ...saved.options, ...options } };
  } else {
    const { options, error } = methodOptions(flags.method, given, flags);
    if (error) throw new UsageError(error);
    const method = descriptor(flags.method);
    const optimizer = flags.optimizer ?? method.defaultOptimizer?.name ?? DEFAULT_CONFIG.optimizer;
    const lr = flags.lr ?? (optimizer === method.defaultOptimizer?.name ? method.defaultOptimizer.lr : method.defaultLearningRate);
    config = { ...DEFAULT_CONFIG, ...configFrom(flags), options, optimizer, lr } as TrainConfig;
    if (config.explore !== undefined && config.holdout === undefined) config = { ...config, holdout: EXPLORE_HOLDOUT };
  }
  // A config value that cannot work is a usage error, found by validation or by the trainer (what an imported file or the model's shapes cannot take); an option's message names its flag.
  const usageError = (e: unknown) => (e instanceof ConfigError ? new UsageError(e.option ? e.message : `${flagOf(e.field)}: ${e.message}`) : e);
  try {
    validateConfig(config);
  } catch (e) {
    throw usageError(e);
  }
  const out = flags.out ?? join('runs', `${timestamp()}-${config.method}`);
  const workers = flags.workers;
  if (workers !== undefined && descriptor(config.method).needs !== 'losses') throw new UsageError(`--workers: method ${config.method} needs the model's graph; worker threads serve the loss-only methods (${lossOnlyMethods()})`);
  const nats = natsOptions(flags, `forwardprop train ${out}`);
  if (nats && descriptor(config.method).needs !== 'losses') throw new UsageError(`--nats: method ${config.method} needs the model's graph; workers serve the loss-only methods (${lossOnlyMethods()})`);
  if (nats && workers !== undefined) throw new UsageError('--nats and --workers: give one (a NATS worker takes --threads for threads of its own)');
  // onnxruntime's sums depend on its intra-op threads. Worker threads run with --threads (default
  // 1), NATS workers with one each: the run's own programs (evaluation, a lost worker's step)
  // compute with the same, so the run is a one-process run with that --threads, bit for bit.
  // (onnxruntime-web sets its threads for the process, not per session: nothing to choose.)
  if (workers !== undefined && config.threads === undefined && threadsFor({}) !== undefined) config = { ...config, threads: 1 };
  if (nats) {
    if (flags.resume && !given.has('threads') && config.threads !== undefined && config.threads !== 1) {
      throw new UsageError(`--nats: this run computed with ${config.threads} intra-op threads (its checkpoint records them), and NATS workers compute with one: resume it without --nats, or with --threads 1 (its numbers then leave the uninterrupted run's)`);
    }
    try {
      config = coordinatorConfig(config);
    } catch (e) {
      throw e instanceof RangeError ? new UsageError(`--${e.message}`) : e;
    }
  }

  const json = flags.json === true;
  const info = (line: string) => (json ? undefined : console.log(line));
  const bar = !json && process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  let sessionStart: { step: number; seconds: number } | undefined;
  const totalSteps = (batches: number) => Math.min(config.epochs * batches, config.steps ?? Infinity);

  info(`forwardprop train: ${config.method} on ${config.dataset}, ${config.model}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}, batch ${config.batchSize}, ${config.optimizer} lr ${config.lr}, seed ${config.seed}${config.subnets ? `, sub-nets ${config.subnets}` : ''}${config.explore ? `, explore ${config.explore} on ${config.holdout} held-out examples` : ''} → ${out}`);
  // The first SIGINT or SIGTERM stops at the next step boundary with a checkpoint; a second one exits now.
  const interrupt = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const stop = (name: NodeJS.Signals) => {
    if (signal) process.exit(128 + (name === 'SIGINT' ? 2 : 15));
    signal = name;
    bar?.clear();
    console.error(`forwardprop train: ${name}: stopping after this step and writing a checkpoint (again to quit at once)`);
    interrupt.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const resumeWith = `forwardprop train --out ${out} --resume${nats ? ` --nats ${nats.servers} --run ${flags.run}` : ''}`;
  let lost: string | undefined;
  const connection = nats && (await natsConnect(nats));
  let summary: Awaited<ReturnType<typeof train>>;
  let coordinator: CoordinatorStats | undefined;
  const trainWith = async (config: TrainConfig, options: TrainOptions) => {
    if (!connection) return train(config, options);
    const onLost = (reason: string) => {
      lost = reason;
      bar?.clear();
      console.error(`forwardprop train: ${reason}; evaluating this step here and stopping after it with a checkpoint`);
      interrupt.abort();
    };
    const result = await trainOverNats(config, options, { nc: connection, run: flags.run, timeout: 1000 * flags['nats-timeout'], deadline: 1000 * flags['nats-deadline'], onLost });
    coordinator = result.stats;
    return result.summary;
  };
  try {
    summary = await trainWith(config, {
    out,
    ...(workers !== undefined && { oracle: (model, objective) => new WorkerPoolOracle(model, objective, { workers, threads: config.threads ?? 1 }) }),
    resume: flags.resume === true,
    signal: interrupt.signal,
    // --json keeps stdout for the records; warnings go to stderr either way.
    log: (line) => (line.startsWith('warning: ') ? console.error(line) : info(line)),
    onStep: (s) => {
      sessionStart ??= { step: s.step - 1, seconds: s.seconds };
      const perStep = (s.seconds - sessionStart.seconds) / Math.max(1, s.step - sessionStart.step);
      bar?.update(s.step, totalSteps(s.batches), `epoch ${s.epoch + 1}/${config.epochs} batch ${s.batch}/${s.batches} loss ${s.loss.toFixed(4)}`, perStep);
    },
    onEpoch: (m) => {
      bar?.clear();
      if (json) console.log(JSON.stringify(m));
      else console.log(epochLine(m, config.epochs));
    },
    });
  } catch (e) {
    throw usageError(e);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await connection?.close();
  }
  if (coordinator) {
    const c = coordinator;
    const line = { tasks: c.tasks, attempts: c.attempts, timeouts: c.timeouts, busy: c.busy, refused: c.refused, foreign: c.foreign, malformed: c.malformed, oversized: c.oversized, replayed: c.replayed, dense_updates: c.dense, replayed_updates: c.replayed_updates, fallback: c.fallback, workers: c.workers };
    if (json) console.log(JSON.stringify({ coordinator: line }));
    else console.log(`NATS: ${c.tasks} tasks in ${c.attempts} attempts (${c.timeouts} timed out, ${c.busy} busy, refused ${JSON.stringify(c.refused)}, ${c.foreign} from other models or runtimes); rejected ${c.malformed} malformed, ${c.oversized} oversized, ${c.replayed} replayed replies; θ by ${c.replayed_updates} replayed and ${c.dense} dense updates; parts answered by worker ${JSON.stringify(c.workers)}`);
  }
  if (lost) {
    console.error(`forwardprop train: stopped because ${lost}; the checkpoint is written: resume with ${resumeWith}`);
    return 1;
  }
  if (json) console.log(JSON.stringify(summary));
  else {
    console.log(`${summary.stopped === 'epochs' ? 'done' : 'paused'} (${summary.stopped}): test accuracy ${percent(summary.test_acc)}, train accuracy ${percent(summary.train_acc)}, ${compact(summary.queries)} queries, ${formatDuration(summary.wall_s)} training, ${formatDuration(summary.eval_s)} evaluating, peak RSS ${summary.peak_rss_mb.toFixed(0)} MB`);
    for (const [k, sub] of (summary.subnets ?? []).entries()) console.log(`sub-net ${k} (${sub.pattern}, density ${percent(sub.density)}): test accuracy ${percent(sub.test_acc)}`);
    console.log(summary.stopped === 'epochs' ? `run directory: ${out} (train longer with: ${resumeWith} --epochs <more>)` : `run directory: ${out}; continue exactly where it stopped, to the end of its ${config.epochs} epochs, with: ${resumeWith}`);
  }
  if (summary.stopped === 'interrupted') console.error(`forwardprop train: interrupted by ${signal}; the checkpoint is written: resume with ${resumeWith}`);
  return summary.stopped === 'interrupted' ? 128 + (signal === 'SIGINT' ? 2 : 15) : 0;
}

function epochLine(m: EpochMetrics, epochs: number): string {
  const epoch = Number.isInteger(m.epoch) ? `${m.epoch}` : m.epoch.toFixed(2);
  return `epoch ${epoch}/${epochs}  loss ${m.loss.toFixed(4)}  train ${percent(m.train_acc)}  test ${percent(m.test_acc)}  queries ${compact(m.queries)}  ${m.wall_s.toFixed(1)}s  ${Math.round(m.examples_per_s).toLocaleString('en-US')} ex/s`;
}

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
