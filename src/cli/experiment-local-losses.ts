import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { LOCAL_LOSSES_JSON, LOCAL_LOSSES_MD, type LocalLossMethod, type MethodRow, localLossMethods, resolveMethods, runLocalLossExperiment } from '../experiments/local-losses.js';
import type { ActivityVariant } from '../estimators/activity-noise.js';
import type { LocalObjective } from '../estimators/local-graph.js';
import { OPTIMIZER_NAMES, type OptimizerName, SCHEDULE_NAMES, type ScheduleName } from '../optim/registry.js';
import { DEFAULT_CONFIG } from '../train/config.js';
import { type Command, UsageError, parseFlagsOnly } from './args.js';
import { ProgressBar, formatDuration, timestamp } from './progress.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

const d = DEFAULT_CONFIG;

export const localLossesCommand = {
  name: 'experiment local-losses',
  summary: `The methods of Table 3 of "Scaling Forward Gradient With Local Losses" (Ren et al. 2023), one run each.
<out>/<method>/ holds each run, <out>/${LOCAL_LOSSES_JSON} and ${LOCAL_LOSSES_MD} the results.
Re-running with the same --out reuses finished methods and continues interrupted ones;
delete a method's directory to train it afresh. Exits 1 if any method failed.`,
  flags: {
    dataset: { type: 'string', help: `data (required): ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', help: 'model (required), e.g. localmixer:S/1/1 | mlp:784-256-10' },
    epochs: { type: 'integer', min: 1, help: 'passes over the training data per method (required)' },
    methods: { type: 'string', default: localLossMethods().join(','), help: "the grid's methods to run, comma-separated" },
    out: { type: 'string', help: 'experiment directory (default: runs/local-losses-<time>)' },
    seed: { type: 'integer', default: d.seed, min: 0, help: 'seed of initialisation, data order and noise' },
    'batch-size': { type: 'integer', default: d.batchSize, min: 1, help: 'examples per step' },
    lr: { type: 'string', help: "learning rate: one for every method, or method=rate,… (default: each method's)" },
    directions: { type: 'integer', min: 1, help: 'directions (perturbations) per step for the perturbation methods' },
    variant: { type: 'string', choices: ['per-site', 'block'], help: "fg-a and lg-fg-a: 'per-site' (ours, default) or 'block' (one tangent pass per block, Ren et al.'s code)" },
    'local-loss': { type: 'string', choices: ['supervised', 'contrastive'], help: "the local-loss methods' block losses: supervised (Table 3, default) or contrastive (InfoNCE between two augmented views, Table 4)" },
    optimizer: { type: 'string', default: d.optimizer, choices: OPTIMIZER_NAMES, help: 'update rule' },
    schedule: { type: 'string', default: d.schedule, choices: SCHEDULE_NAMES, help: 'learning-rate schedule' },
    'warmup-steps': { type: 'integer', default: d.warmupSteps, min: 0, help: 'linear warmup steps (cosine schedule)' },
    momentum: { type: 'number', default: d.momentum, min: 0, help: 'momentum for the momentum and nesterov optimizers' },
    'weight-decay': { type: 'number', default: d.weightDecay, min: 0, help: 'weight decay (decoupled for adamw)' },
    normalize: { type: 'boolean', help: "standardise inputs by the training split's mean and std (the paper's preprocessing)" },
    steps: { type: 'integer', min: 1, help: 'stop each method after this many steps (quick checks)' },
    json: { type: 'boolean', help: 'print one JSON object per method and a summary object last' },
    threads: { type: 'integer', min: 1, max: MAX_THREADS, help: 'onnxruntime intra-op threads (default: FORWARDPROP_THREADS or one per core, never spinning); results depend on it' },
    device: { type: 'string', default: d.device, help: 'execution device: cpu | webgpu | cuda …' },
  },
} as const satisfies Command;

export async function runLocalLosses(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(localLossesCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const { dataset, model, epochs } = flags;
  if (dataset === undefined || model === undefined || epochs === undefined) throw new UsageError(`--${dataset === undefined ? 'dataset' : model === undefined ? 'model' : 'epochs'} is required`);
  let methods: LocalLossMethod[];
  try {
    methods = resolveMethods(flags.methods.split(',').filter(Boolean), '--methods');
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
  const out = flags.out ?? join('runs', `local-losses-${timestamp()}`);

  const json = flags.json === true;
  const bar = !json && process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  const totalSteps = (batches: number) => Math.min(epochs * batches, flags.steps ?? Infinity);
  let done = 0;
  if (!json) console.log(`forwardprop experiment local-losses: ${methods.join(', ')} on ${dataset}, ${model}, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${flags['batch-size']}, ${flags.optimizer} (${flags.schedule}), seed ${flags.seed} → ${out}`);
  const report = await runLocalLossExperiment(
    {
      dataset,
      model,
      epochs,
      methods,
      out,
      seed: flags.seed,
      batchSize: flags['batch-size'],
      optimizer: flags.optimizer as OptimizerName,
      device: flags.device,
      ...(flags.lr !== undefined && { lr: parseRates(flags.lr) }),
      ...(flags.directions !== undefined && { directions: flags.directions }),
      ...(flags.variant !== undefined && { variant: flags.variant as ActivityVariant }),
      ...(flags['local-loss'] !== undefined && { localLoss: flags['local-loss'] as LocalObjective }),
      ...(flags.normalize && { normalize: true }),
      ...(flags.schedule !== d.schedule && { schedule: flags.schedule as ScheduleName }),
      ...(flags['warmup-steps'] !== d.warmupSteps && { warmupSteps: flags['warmup-steps'] }),
      ...(flags.momentum !== d.momentum && { momentum: flags.momentum }),
      ...(flags['weight-decay'] !== d.weightDecay && { weightDecay: flags['weight-decay'] }),
      ...(flags.steps !== undefined && { steps: flags.steps }),
      ...(flags.threads !== undefined && { threads: flags.threads }),
    },
    {
      onStep: (method, s) => bar?.update(s.step, totalSteps(s.batches), `${method} epoch ${s.epoch + 1}/${epochs} loss ${s.loss.toFixed(4)}`, s.seconds / s.step),
      onRow: (row) => {
        bar?.clear();
        done++;
        console.log(json ? JSON.stringify(row) : `[${String(done).padStart(String(methods.length).length)}/${methods.length}] ${rowLine(row)}`);
      },
    },
  );
  const failed = report.rows.filter((row) => 'error' in row).map((row) => row.method);
  const files = { json: join(out, LOCAL_LOSSES_JSON), markdown: join(out, LOCAL_LOSSES_MD) };
  if (json) console.log(JSON.stringify({ out, ...files, methods: report.rows.length, failed }));
  else console.log(`\n${report.markdown}\nresults: ${files.json}, ${files.markdown}`);
  if (failed.length === 0) return 0;
  console.error(`forwardprop experiment: ${failed.length} of ${report.rows.length} methods failed: ${failed.join(', ')}`);
  return 1;
}

function rowLine(row: MethodRow): string {
  const name = row.method.padEnd(8);
  if ('error' in row) return `${name} failed: ${row.error}`;
  return `${name} test error ${row.test_error.toFixed(2)}% / train error ${row.train_error.toFixed(2)}%  lr ${row.lr}  ${row.steps} steps  ${formatDuration(row.wall_s)}  ${row.reused ? '(reused) ' : ''}→ ${row.dir}`;
}

/** '0.01' (every method) or 'bp=0.001,lg-fg-a=0.01'. */
function parseRates(text: string): number | Record<string, number> {
  const rate = (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--lr takes a rate or method=rate pairs; got '${text}'`);
    return n;
  };
  if (!text.includes('=')) return rate(text);
  return Object.fromEntries(text.split(',').map((pair) => {
    const [method, value] = pair.split('=');
    if (!method || value === undefined) throw new UsageError(`--lr takes a rate or method=rate pairs; got '${text}'`);
    return [method.trim(), rate(value)];
  }));
}
