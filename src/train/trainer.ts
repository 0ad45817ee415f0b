import { join } from 'node:path';
import { appendFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { batchCount, batches } from '../data/batches.js';
import { type DatasetSplit, withClasses } from '../data/dataset.js';
import { statIfExists } from '../io/stat-if-exists.js';
import { loadDataset } from '../data/load.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { createAllocator } from '../allocators/registry.js';
import { createEstimator } from '../estimators/registry.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { modelFromSpec } from '../nn/factories.js';
import { createOptimizer, createSchedule } from '../optim/registry.js';
import { deserializeState, serializeState } from '../state/state.js';
import { applyUpdates } from '../optim/transform.js';
import { deriveSeed } from '../rng/stream.js';
import { type Progress, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { BUDGET_KEYS, type TrainConfig } from './config.js';
import { Evaluator } from './evaluate.js';

/** Stream ids under the run seed: initial parameters, estimator noise. */
const INIT_STREAM = 1;
const NOISE_STREAM = 2;

export const CHECKPOINT_FILE = 'checkpoint.fpck';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface EpochMetrics {
  readonly epoch: number;
  readonly step: number;
  /** Mean training loss over the epoch's steps (at the parameters each step saw). */
  readonly loss: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly test_acc: number;
  /** Queries so far: forward evaluations × examples. */
  readonly queries: number;
  /** Training time so far (estimation and updates; evaluation excluded). */
  readonly wall_s: number;
  readonly examples_per_s: number;
  readonly lr: number;
}

/** A test evaluation between epochs. */
export interface EvalPoint {
  readonly step: number;
  readonly queries: number;
  readonly test_acc: number;
  readonly test_loss: number;
}

export type StopReason = 'epochs' | 'queries' | 'steps' | 'seconds';

export interface Summary {
  readonly method: string;
  readonly dataset: string;
  readonly model: string;
  readonly parameters: number;
  /** Completed epochs (fractional when a budget stopped the run mid-epoch). */
  readonly epochs: number;
  readonly steps: number;
  readonly test_acc: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly train_loss: number;
  readonly queries: number;
  readonly wall_s: number;
  readonly seed: number;
  readonly stopped: StopReason;
  readonly peak_rss_mb: number;
}

export interface StepInfo {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly step: number;
  readonly loss: number;
  readonly queries: number;
  readonly seconds: number;
}

export interface TrainOptions {
  /** Run directory for the checkpoint, metrics and summary; nothing is written without one. */
  readonly out?: string;
  /** Continue the run in `out` from its checkpoint. */
  readonly resume?: boolean;
  readonly onStep?: (info: StepInfo) => void;
  readonly onEpoch?: (metrics: EpochMetrics) => void;
  /** Also evaluate the test split every this many steps (for accuracy-versus-queries curves). */
  readonly evalEvery?: number;
  readonly onEval?: (point: EvalPoint) => void;
  /** Informational messages (data and model summaries). */
  readonly log?: (line: string) => void;
}

/** A step produced a NaN or infinite loss or gradient; the last good checkpoint is kept. */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';
}

/**
 * Trains a model forward-only (or with backprop, as the baseline): seeded and
 * reproducible, with a query, step or time budget, per-epoch evaluation, metrics as
 * JSON lines, and atomic checkpoints that `resume` continues exactly.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<Summary> {
  const log = options.log ?? (() => {});
  const checkpointPath = options.out && join(options.out, CHECKPOINT_FILE);
  if (checkpointPath && !options.resume && existsSync(checkpointPath)) {
    throw new Error(`${options.out} already holds a run (${CHECKPOINT_FILE}); resume it with --resume or choose another --out`);
  }
  if (options.resume && !checkpointPath) throw new Error('resume needs the run directory (--out) to resume from');
  const saved = options.resume ? await loadCheckpoint(checkpointPath!) : undefined;
  if (saved) checkCompatible(saved.config, config);

  const data = await trainingData(config);
  const model = modelFromSpec(config.model, data.train.inputShape, data.train.classes);
  log(`${config.dataset}: ${data.train.size} train / ${data.test.size} test examples of [${data.train.inputShape.join(', ')}], ${data.train.classes} classes`);
  log(model.describe().split('\n')[0]!);

  const compileOptions: CompileOptions = { device: config.device, ...(config.threads !== undefined && { threads: config.threads }) };
  const estimator = createEstimator(config.method, model, {
    seed: deriveSeed(config.seed, NOISE_STREAM),
    compile: compileOptions,
    ...(config.directions !== undefined && { directions: config.directions }),
    ...(config.epsilon !== undefined && { epsilon: config.epsilon }),
    ...(config.directionsPerCall !== undefined && { directionsPerCall: config.directionsPerCall }),
    ...(config.noise !== undefined && { noise: config.noise }),
    ...(config.scheme !== undefined && { scheme: config.scheme }),
  });
  const allocation = config.allocator ? queryAllocation(config) : undefined;
  const allocator = config.allocator ? createAllocator(config.allocator) : undefined;
  const batchesPerEpoch = batchCount(data.train.size, config.batchSize);
  const totalSteps = Math.min(config.epochs * batchesPerEpoch, config.steps ?? Infinity);
  // The step schedule decays tenfold twice over the run, at a third and two thirds.
  const schedule = createSchedule(config.schedule, config.lr, { totalSteps, warmupSteps: config.warmupSteps, every: Math.max(1, Math.ceil(totalSteps / 3)) });
  const optimizer = createOptimizer(config.optimizer, { lr: schedule, momentum: config.momentum, weightDecay: config.weightDecay, clip: config.clip });

  const theta = config.init ? await initialParams(config.init, model) : model.init(deriveSeed(config.seed, INIT_STREAM));
  let state = optimizer.init(theta);
  let progress: Progress = { epoch: 0, batch: 0, step: 0, queries: 0, seconds: 0 };
  if (saved) {
    model.layout.check(saved.params, `parameters in ${checkpointPath}`);
    theta.set(saved.params);
    state = deserializeState(saved.optimizer, state);
    if (saved.extras?.estimator) estimator.restore?.(saved.extras.estimator);
    if (saved.extras?.allocator) allocator?.restore(saved.extras.allocator);
    progress = saved.progress;
    log(`resuming ${checkpointPath} at epoch ${progress.epoch}, batch ${progress.batch} (step ${progress.step})`);
  }
  if (options.out) await mkdir(options.out, { recursive: true });

  const evaluator = new Evaluator(model, compileOptions);
  let stopped: StopReason = 'epochs';
  let metrics: EpochMetrics | undefined;
  let checkpointed = saved !== undefined;
  const budgetReached = (): StopReason | undefined => {
    if (config.queries !== undefined && progress.queries >= config.queries) return 'queries';
    if (config.steps !== undefined && progress.step >= config.steps) return 'steps';
    if (config.seconds !== undefined && progress.seconds >= config.seconds) return 'seconds';
    return undefined;
  };

  while (progress.epoch < config.epochs) {
    let lossSum = 0;
    let examples = 0;
    let epochSeconds = 0;
    const reason = budgetReached();
    if (reason) {
      stopped = reason;
      break;
    }
    for (const batch of batches(data.train, { batchSize: config.batchSize, seed: config.seed, epoch: progress.epoch, startBatch: progress.batch })) {
      const start = performance.now();
      const queries = allocation && allocator!.allocate({ examples: batch.indices, budget: allocation.budget(batch.y.size), minimum: allocation.unit, unit: allocation.unit });
      const estimate = await estimator.estimate({ params: theta, batch, step: progress.step, ...(queries && { allocation: queries }) });
      if (queries) {
        const variance = estimate.perExample.spread ?? new Float32Array(queries.length).fill(Number.NaN);
        allocator!.observe({ examples: batch.indices, queries, variance, loss: estimate.perExample.loss });
      }
      if (!Number.isFinite(estimate.loss) || !allFinite(estimate.grad)) {
        const what = Number.isFinite(estimate.loss) ? 'the gradient estimate has NaN or infinite entries' : `the loss is ${estimate.loss}`;
        const kept = checkpointed ? `the last good checkpoint is ${checkpointPath}` : 'no checkpoint was written yet';
        throw new NonFiniteError(`step ${progress.step} (epoch ${progress.epoch + 1}, batch ${progress.batch + 1}): ${what}; stopping, ${kept}. Try a smaller --lr${config.method === 'bp' ? '' : ' or --epsilon'}, or --clip.`);
      }
      const { updates, state: next } = optimizer.update(estimate.grad, state, theta, progress.step);
      applyUpdates(theta, updates);
      state = next;
      const seconds = (performance.now() - start) / 1000;
      const b = batch.y.size;
      lossSum += estimate.loss * b;
      examples += b;
      epochSeconds += seconds;
      progress = { ...progress, batch: progress.batch + 1, step: progress.step + 1, queries: progress.queries + estimate.queries, seconds: progress.seconds + seconds };
      options.onStep?.({ epoch: progress.epoch, batch: progress.batch, batches: batchesPerEpoch, step: progress.step, loss: estimate.loss, queries: progress.queries, seconds: progress.seconds });
      if (options.evalEvery && progress.step % options.evalEvery === 0) {
        const test = await evaluator.evaluate(theta, data.test, config.evalBatchSize);
        options.onEval?.({ step: progress.step, queries: progress.queries, test_acc: test.accuracy, test_loss: test.loss });
      }
      const reason = budgetReached();
      if (reason) {
        stopped = reason;
        break;
      }
    }
    if (progress.batch >= batchesPerEpoch) progress = { ...progress, epoch: progress.epoch + 1, batch: 0 };
    metrics = await measure(evaluator, theta, data, config, progress, batchesPerEpoch, {
      loss: examples ? lossSum / examples : Number.NaN,
      examples_per_s: epochSeconds ? examples / epochSeconds : 0,
      lr: schedule(Math.max(0, progress.step - 1)),
    });
    options.onEpoch?.(metrics);
    if (options.out) {
      await appendFile(join(options.out, METRICS_FILE), `${JSON.stringify(metrics)}\n`);
      const extras = {
        ...(estimator.state && { estimator: serializeState(estimator.state()) }),
        ...(allocator && { allocator: serializeState(allocator.state()) }),
      };
      await saveCheckpoint(checkpointPath!, { config: { ...config }, progress, params: theta, optimizer: serializeState(state), extras });
      checkpointed = true;
    }
    if (stopped !== 'epochs') break;
  }

  // A resumed run can start past its budget and train no step: still report where it stands.
  metrics ??= await measure(evaluator, theta, data, config, progress, batchesPerEpoch, { loss: Number.NaN, examples_per_s: 0, lr: Number.NaN });
  const summary: Summary = {
    method: config.method,
    dataset: config.dataset,
    model: model.spec,
    parameters: model.layout.size,
    epochs: metrics.epoch,
    steps: progress.step,
    test_acc: metrics.test_acc,
    train_acc: metrics.train_acc,
    test_loss: metrics.test_loss,
    train_loss: metrics.train_loss,
    queries: progress.queries,
    wall_s: progress.seconds,
    seed: config.seed,
    stopped,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  if (options.out) await writeFileAtomic(join(options.out, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The run's train and test splits, restricted to `classes` when given. */
export async function trainingData(config: Pick<TrainConfig, 'dataset' | 'classes' | 'seed'>): Promise<DatasetSplit> {
  const data = await loadDataset(config.dataset, config.dataset.startsWith('csv:') ? { seed: config.seed } : {});
  if (!config.classes) return data;
  return { train: withClasses(data.train, config.classes), test: withClasses(data.test, config.classes) };
}

/** Parameters from a checkpoint (a run directory or the file), checked against the model. */
async function initialParams(path: string, model: ReturnType<typeof modelFromSpec>): Promise<Float32Array> {
  const file = (await statIfExists(path))?.isDirectory() ? join(path, CHECKPOINT_FILE) : path;
  const { params } = await loadCheckpoint(file);
  model.layout.check(params, `parameters in ${file} (for ${model.spec})`);
  return params;
}

/** Methods that take a query allocation, and their unit (± pairs for lr and spsa). */
const ALLOCATION_UNIT: Readonly<Partial<Record<string, number>>> = { lr: 2, spsa: 2, 'fg-a': 1, 'fg-w': 1 };
/** Average queries per example per step when a run allocates and names none. */
const QUERIES_PER_EXAMPLE: Readonly<Partial<Record<string, number>>> = { lr: 8, spsa: 8, 'fg-a': 4, 'fg-w': 4 };

/** A step's query budget (whole units, at least the minimum for every example) and unit. */
export function queryAllocation(config: TrainConfig): { unit: number; budget: (batch: number) => number } {
  const unit = ALLOCATION_UNIT[config.method];
  if (unit === undefined) throw new RangeError(`--allocator needs a method that takes query allocations (${Object.keys(ALLOCATION_UNIT).join(', ')}), not ${config.method}`);
  const perExample = config.queriesPerExample ?? QUERIES_PER_EXAMPLE[config.method]!;
  if (perExample < unit) throw new RangeError(`--queries-per-example must be at least ${unit} for ${config.method}, got ${perExample}`);
  return { unit, budget: (batch) => unit * Math.max(batch, Math.round((perExample * batch) / unit)) };
}

/** Evaluates θ on both splits and completes the epoch's metrics. */
async function measure(
  evaluator: Evaluator,
  theta: Float32Array,
  data: DatasetSplit,
  config: TrainConfig,
  progress: Progress,
  batchesPerEpoch: number,
  epoch: Pick<EpochMetrics, 'loss' | 'examples_per_s' | 'lr'>,
): Promise<EpochMetrics> {
  const train = await evaluator.evaluate(theta, data.train, config.evalBatchSize);
  const test = await evaluator.evaluate(theta, data.test, config.evalBatchSize);
  return {
    epoch: progress.epoch + progress.batch / batchesPerEpoch,
    step: progress.step,
    loss: epoch.loss,
    train_loss: train.loss,
    train_acc: train.accuracy,
    test_loss: test.loss,
    test_acc: test.accuracy,
    queries: progress.queries,
    wall_s: progress.seconds,
    examples_per_s: epoch.examples_per_s,
    lr: epoch.lr,
  };
}

function allFinite(values: Float32Array): boolean {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * 0;
  return s === 0;
}

/** A resumed run must compute the same thing: only budget keys may differ from the checkpoint's config. */
function checkCompatible(saved: Readonly<Record<string, unknown>>, config: TrainConfig): void {
  const differences = Object.keys({ ...saved, ...config })
    .filter((key) => !BUDGET_KEYS.includes(key as keyof TrainConfig))
    .filter((key) => JSON.stringify(saved[key]) !== JSON.stringify((config as unknown as Record<string, unknown>)[key]))
    .map((key) => `${key}: checkpoint ${JSON.stringify(saved[key])}, now ${JSON.stringify((config as unknown as Record<string, unknown>)[key])}`);
  if (differences.length > 0) throw new Error(`cannot resume: the run's configuration differs from the checkpoint's (${differences.join('; ')})`);
}
