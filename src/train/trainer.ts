import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DatasetBatch, type RegressionBatch, batchCount, batches, gatherRows } from '../data/batches.js';
import type { AnyDataset, DatasetSplit } from '../data/dataset.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { createEstimator, descriptor } from '../estimators/registry.js';
import { resolveOptions } from '../estimators/options.js';
import { removeStaleTemps, writeFileAtomic } from '../io/atomic-write.js';
import { appendJsonLines, truncateJsonLines } from '../io/json-lines.js';
import { statIfExists } from '../io/stat-if-exists.js';
import type { Model } from '../nn/model.js';
import type { ParamLayout } from '../nn/params.js';
import type { LossOracle } from '../objectives/loss-oracle.js';
import { type Objective, objectiveFromSpec } from '../objectives/objective.js';
import { OutputLossOracle } from '../objectives/output-oracle.js';
import { runOptimizer, runSchedule } from './run-optimizer.js';
import { deserializeState, serializeState } from '../state/state.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { createQueryAllocation, stepQueries } from './allocation.js';
import { BUDGET_KEYS, type TrainConfig } from './config.js';
import { type Evaluation, Evaluator } from './evaluate.js';
import { type RunModel, runModelAndData } from './run-model.js';
import { runSeeds } from './seeds.js';
import { NonFiniteError, type Progress, type StepHook, type Stepper, type TrainState, initTrainState, trainStep } from './step.js';
import { validateConfig } from './validate.js';
import { runHooks, splitHoldout } from './run-hooks.js';
import { SUBNETS_HOOK, type SubnetsState } from './hooks/subnets.js';
import { formatPattern, maskDensity, maskedParams, parseSubnets } from '../sparse/masks.js';

export { NonFiniteError } from './step.js';
export { outputsFor, trainingData } from './run-model.js';

export const CHECKPOINT_FILE = 'checkpoint.fpck';
export const METRICS_FILE = 'metrics.jsonl';
export const STEPS_FILE = 'steps.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface EpochMetrics {
  readonly epoch: number;
  readonly step: number;
  /** Mean training loss over the epoch's steps so far (at the parameters each step saw); a resumed epoch continues the checkpoint's sums. */
  readonly loss: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly test_acc: number;
  /** Queries so far: forward evaluations × examples. */
  readonly queries: number;
  /** Training time so far (estimation and updates; evaluation excluded). */
  readonly wall_s: number;
  /** Training examples per second of this invocation's part of the epoch (a timing). */
  readonly examples_per_s: number;
  readonly lr: number;
}

/** One line of steps.jsonl: every step's loss, for finer curves than the epochs give. */
export interface StepRecord {
  readonly step: number;
  readonly queries: number;
  readonly seconds: number;
  readonly loss: number;
  readonly lr: number;
}

/** A test evaluation between epochs. */
export interface EvalPoint {
  readonly step: number;
  readonly queries: number;
  readonly test_acc: number;
  readonly test_loss: number;
}

/** Why a run stopped: its plan ran out (epochs), a budget paused it, or a signal interrupted it. */
export type StopReason = 'epochs' | 'queries' | 'steps' | 'seconds' | 'interrupted';

export interface Summary {
  readonly method: string;
  readonly dataset: string;
  readonly model: string;
  readonly objective: string;
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
  /** Evaluation time of this invocation (between epochs and every evalEvery steps), apart from wall_s. */
  readonly eval_s: number;
  readonly seed: number;
  readonly stopped: StopReason;
  readonly peak_rss_mb: number;
  /** onnxruntime's intra-op threads (the numbers depend on them); absent where the runtime chooses (browsers). */
  readonly threads?: number;
  /** Runs with sub-nets: each sub-net alone (θ ⊙ its mask) on the test split; the epochs' metrics are sub-net 0's. */
  readonly subnets?: readonly SubnetSummary[];
}

export interface SubnetSummary {
  readonly pattern: string;
  /** Kept share of the masked parameters. */
  readonly density: number;
  readonly test_acc: number;
  readonly test_loss: number;
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
  /** Informational messages (data and model summaries, estimator warnings). */
  readonly log?: (line: string) => void;
  /** Stops the run at the next step boundary, with a checkpoint (SIGINT, SIGTERM). */
  readonly signal?: AbortSignal;
  /** Extensions of every step (corrections, exploration); their state is checkpointed. */
  readonly hooks?: readonly StepHook[];
  /**
   * Evaluate losses through this oracle (a black box, a worker pool, workers on a broker)
   * instead of the model's program; loss-only methods only. A function makes the oracle
   * for the run's model and objective, and the run disposes it when it ends.
   */
  readonly oracle?: LossOracle | ((model: Model, objective: Objective) => LossOracle);
}

/**
 * Trains a model forward-only (or with backprop, as the baseline): seeded and
 * reproducible, with a plan (epochs) that budgets (queries, steps, seconds) and signals
 * only pause, per-epoch evaluation, metrics as JSON lines, and atomic checkpoints that
 * `resume` continues exactly. Every step is `trainStep`.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<Summary> {
  validateConfig(config);
  const log = options.log ?? (() => {});
  const checkpointPath = options.out && join(options.out, CHECKPOINT_FILE);
  if (checkpointPath && !options.resume && existsSync(checkpointPath)) {
    throw new Error(`${options.out} already holds a run (${CHECKPOINT_FILE}); resume it with --resume or choose another --out`);
  }
  if (options.resume && !checkpointPath) throw new Error('resume needs the run directory (--out) to resume from');
  const saved = options.resume ? await loadCheckpoint(checkpointPath!) : undefined;
  if (saved) checkCompatible(saved.config, config);

  // onnxruntime's sums depend on its intra-op threads: the default is resolved once and
  // recorded (the checkpoint's config, the summary), and a resume keeps the recorded count
  // unless told otherwise.
  const recorded = saved?.config['threads'] as number | undefined;
  const threads = threadsFor({ threads: config.threads ?? recorded });
  if (threads !== undefined) config = { ...config, threads };
  if (saved && recorded === undefined && threads !== undefined) log(`warning: the checkpoint does not record its intra-op threads (written before runs recorded them); resuming with ${threads}: if the run used another count, its numbers leave the uninterrupted run's`);
  if (recorded !== undefined && recorded !== threads) log(`warning: resuming with ${threads ?? "the runtime's"} intra-op threads where the run used ${recorded}: onnxruntime's sums depend on the count, so the numbers may differ from an uninterrupted run's`);
  const compile: CompileOptions = { device: config.device, ...(threads !== undefined && { threads }) };
  const { model, data: loaded } = await runModelAndData(config, compile, log);
  // Everything the run makes from here on is released when it ends, however it ends: a bad
  // --init or checkpoint must not leave a black box's session behind in a long-lived process.
  const owned: { dispose(): Promise<unknown> }[] = [model];
  try {
    const { train: trainSplit, holdout } = splitHoldout(loaded.train, config);
    const data = { train: trainSplit, test: loaded.test };
    const objective = objectiveFromSpec(config.objective);
    const targets = data.train.task === 'regression' ? `targets of [${data.train.targetShape.join(', ')}]` : `${data.train.classes} classes`;
    log(`${config.dataset}: ${data.train.size} train${holdout ? ` (+ ${holdout.size} held out)` : ''} / ${data.test.size} test examples of [${data.train.inputShape.join(', ')}], ${targets}`);
    log(model.describe().split('\n')[0]!);

    const method = descriptor(config.method);
    // Worker processes evaluate graphs; a black box is queried through its outputs.
    let ownOracle: LossOracle | undefined;
    if (typeof options.oracle === 'function') {
      if (!model.graph) {
        throw new RangeError(`${model.spec} trains as a black box: worker processes evaluate model graphs, so run it in one process`);
      }
      ownOracle = options.oracle(model.graph, objective);
    } else if (options.oracle === undefined && model.blackBox) {
      ownOracle = new OutputLossOracle(model.blackBox, objective, compile);
    }
    if (ownOracle) owned.push(ownOracle);
    const oracle = ownOracle ?? (typeof options.oracle === 'function' ? undefined : options.oracle);
    const context = { objective, ...(model.graph && { model: model.graph }), compile, ...(oracle && { oracle }) };
    const estimator = createEstimator(config.method, { ...context, seed: runSeeds(config.seed).noise }, config.options);
    owned.push(estimator);
    const allocation = config.allocator && createQueryAllocation({
      allocator: config.allocator, method: config.method, options: config.options, context, seed: config.seed,
      ...(config.allocatorStatistics && { statistics: config.allocatorStatistics }), ...(config.queriesPerExample !== undefined && { queriesPerExample: config.queriesPerExample }),
    });
    if (allocation?.pilot) owned.push(allocation.pilot);
    const batchesPerEpoch = batchCount(data.train.size, config.batchSize);
    const plannedSteps = config.epochs * batchesPerEpoch;
    const schedule = runSchedule(config, plannedSteps);
    // Sub-nets and exploration act on a graph: importRunModel refuses them for a black box.
    const extra = model.graph ? runHooks(config, { model: model.graph, objective, compile, seed: config.seed, plannedSteps, ...(holdout && { holdout }), ...(oracle && { oracle }) }) : { hooks: [], dispose: async () => {} };
    owned.push(extra);
    const hooks = [...extra.hooks, ...(options.hooks ?? [])];
    const stepper: Stepper = {
      estimator,
      optimizer: runOptimizer(config, schedule),
      ...(allocation && { allocation }),
      ...(hooks.length > 0 && { hooks }),
    };
    const stepCost = (b: number) => (stepper.allocation ? stepQueries(stepper.allocation, b) : undefined) ?? method.cost(resolveOptions(config.method, method.options, config.options), b, model.size);

    let state = initTrainState(stepper, config.init ? await initialParams(config.init, model) : model.init(runSeeds(config.seed).init), data.train.size);
    // The sums of the epoch a checkpoint stopped in (none in a checkpoint from before they were kept): a resumed epoch goes on from them.
    let epochSoFar = NO_STEPS;
    if (saved) {
      model.check(saved.params, `parameters in ${checkpointPath}`);
      state.params.set(saved.params);
      const restore = <S>(name: string, template: S): S => (saved.extras?.[name] ? deserializeState(saved.extras[name]!, template as never) : template);
      state = {
        ...state,
        optimizer: deserializeState(saved.optimizer, state.optimizer),
        estimator: restore('estimator', state.estimator),
        allocator: restore('allocator', state.allocator),
        hooks: Object.fromEntries(Object.entries(state.hooks).map(([name, s]) => [name, restore(`hook:${name}`, s)])),
        progress: saved.progress,
      };
      epochSoFar = restore(EPOCH_EXTRA, NO_STEPS);
      log(`resuming ${checkpointPath} at epoch ${state.progress.epoch}, batch ${state.progress.batch} (step ${state.progress.step})`);
    }
    let madeOut = false;
    if (options.out) {
      madeOut = (await mkdir(options.out, { recursive: true })) !== undefined;
      for (const note of await tidyRunDirectory(options.out, state.progress.step)) log(note);
    }

    const evaluator = new Evaluator(model.predictor, objective, compile);
    owned.push(evaluator);
    let evalSeconds = 0;
    const evaluate: Evaluate = async (dataset) => {
      const start = performance.now();
      const result = await evaluator.evaluate(modelParams(state), dataset, config.evalBatchSize);
      evalSeconds += (performance.now() - start) / 1000;
      return result;
    };
    const warned = new Set<string>();
    let stopped: StopReason = 'epochs';
    let metrics: EpochMetrics | undefined;
    let checkpointed = saved !== undefined;
    let stepRecords: StepRecord[] = [];
    const lrAt = (updates: number) => schedule(Math.max(0, updates - 1));
    const paused = (progress: Progress): StopReason | undefined => {
      if (options.signal?.aborted) return 'interrupted';
      if (config.queries !== undefined && progress.queries >= config.queries) return 'queries';
      if (config.steps !== undefined && progress.step >= config.steps) return 'steps';
      if (config.seconds !== undefined && progress.seconds >= config.seconds) return 'seconds';
      return undefined;
    };

    try {
      while (state.progress.epoch < config.epochs) {
        // Mid-epoch only after a resume.
        let { lossSum, examples } = state.progress.batch > 0 ? epochSoFar : NO_STEPS;
        // The rate is this invocation's: its examples over its seconds.
        let timedExamples = 0;
        let epochSeconds = 0;
        const before = paused(state.progress);
        if (before) {
          stopped = before;
          break;
        }
        for (const full of batches(data.train, { batchSize: config.batchSize, seed: config.seed, epoch: state.progress.epoch, startBatch: state.progress.batch })) {
          const batch = config.queries === undefined ? full : fitBudget(full, config.queries - state.progress.queries, stepCost);
          if (batch === undefined) {
            stopped = 'queries';
            break;
          }
          let next: Awaited<ReturnType<typeof trainStep>>;
          try {
            next = await trainStep(stepper, state, batch);
          } catch (e) {
            if (!(e instanceof NonFiniteError)) throw e;
            const kept = checkpointed ? `the last good checkpoint is ${checkpointPath}` : 'no checkpoint was written yet';
            throw new NonFiniteError(e.step, e.what, `step ${e.step} (epoch ${state.progress.epoch + 1}, batch ${state.progress.batch + 1}): ${e.what}; stopping, ${kept}. Try a smaller --lr${method.needs === 'losses' ? ' or --epsilon' : ''}, or --clip.`);
          }
          for (const warning of next.estimate.warnings ?? []) {
            if (!warned.has(warning)) log(`warning: ${warning}`);
            warned.add(warning);
          }
          epochSeconds += next.state.progress.seconds - state.progress.seconds;
          state = { ...next.state, progress: { ...next.state.progress, batch: next.state.progress.batch + 1 } };
          const b = batch.y.shape[0]!;
          lossSum += next.estimate.loss * b;
          examples += b;
          timedExamples += b;
          stepRecords.push({ step: state.progress.step, queries: state.progress.queries, seconds: state.progress.seconds, loss: next.estimate.loss, lr: lrAt(state.progress.updates) });
          options.onStep?.({ epoch: state.progress.epoch, batch: state.progress.batch, batches: batchesPerEpoch, step: state.progress.step, loss: next.estimate.loss, queries: state.progress.queries, seconds: state.progress.seconds });
          if (options.evalEvery && state.progress.step % options.evalEvery === 0) {
            const test = await evaluate(data.test);
            options.onEval?.({ step: state.progress.step, queries: state.progress.queries, test_acc: test.accuracy, test_loss: test.loss });
          }
          const reason = paused(state.progress);
          if (reason) {
            stopped = reason;
            break;
          }
        }
        if (state.progress.batch >= batchesPerEpoch) state = { ...state, progress: { ...state.progress, epoch: state.progress.epoch + 1, batch: 0 } };
        metrics = await measure(evaluate, state, data, batchesPerEpoch, {
          loss: examples ? lossSum / examples : Number.NaN,
          examples_per_s: epochSeconds ? timedExamples / epochSeconds : 0,
          lr: lrAt(state.progress.updates),
        });
        options.onEpoch?.(metrics);
        if (options.out) {
          // Records first (synced), then the checkpoint: a crash between them leaves records a resume cuts.
          await appendJsonLines(join(options.out, STEPS_FILE), stepRecords);
          await appendJsonLines(join(options.out, METRICS_FILE), [metrics]);
          stepRecords = [];
          await saveCheckpoint(checkpointPath!, checkpointOf(config, state, { lossSum, examples }));
          checkpointed = true;
        }
        if (stopped !== 'epochs') break;
      }

      // A resumed run can start past its budget and train no step: still report where it stands.
      metrics ??= await measure(evaluate, state, data, batchesPerEpoch, { loss: Number.NaN, examples_per_s: 0, lr: Number.NaN });
      const subnets = config.subnets === undefined ? undefined : await evaluateSubnets(evaluator, state, data.test, config, model.layout);
      const summary: Summary = {
        method: config.method,
        dataset: config.dataset,
        model: model.spec,
        objective: objective.name,
        parameters: model.size,
        epochs: metrics.epoch,
        steps: state.progress.step,
        test_acc: metrics.test_acc,
        train_acc: metrics.train_acc,
        test_loss: metrics.test_loss,
        train_loss: metrics.train_loss,
        queries: state.progress.queries,
        wall_s: state.progress.seconds,
        eval_s: evalSeconds,
        seed: config.seed,
        stopped,
        peak_rss_mb: process.resourceUsage().maxRSS / 1024,
        ...(threads !== undefined && { threads }),
        ...(subnets && { subnets }),
      };
      if (options.out) await writeFileAtomic(join(options.out, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
      return summary;
    } catch (e) {
      // A run that failed before it wrote anything (an execution provider that cannot start, say) leaves no directory behind.
      if (madeOut && (await readdir(options.out!)).length === 0) await rmdir(options.out!);
      throw e;
    }
  } finally {
    await Promise.all(owned.map((resource) => resource.dispose()));
  }
}

/**
 * What an epoch line's loss averages, so far: the loss summed over the epoch's examples
 * (each step's mean loss times its batch) and the examples. Kept in the
 * checkpoint, so that an epoch paused and resumed reports the whole epoch's mean loss, as
 * an uninterrupted run does.
 */
type EpochSums = {
  readonly lossSum: number;
  readonly examples: number;
};
const NO_STEPS: EpochSums = { lossSum: 0, examples: 0 };
const EPOCH_EXTRA = 'epoch';

/** The checkpoint of a state: θ, every learned state by name, the progress, the epoch's sums so far and the config (views of the live buffers: save it before the next step). */
function checkpointOf(config: TrainConfig, state: TrainState, epoch: EpochSums) {
  const live = { copy: false };
  return {
    config: { ...config },
    progress: state.progress,
    params: state.params,
    optimizer: serializeState(state.optimizer, live),
    extras: {
      estimator: serializeState(state.estimator, live),
      allocator: serializeState(state.allocator, live),
      [EPOCH_EXTRA]: serializeState(epoch, live),
      ...Object.fromEntries(Object.entries(state.hooks).map(([name, s]) => [`hook:${name}`, serializeState(s, live)])),
    },
  };
}

/**
 * The batch a step may take within `remaining` queries: the whole batch, the first
 * examples of it when the step would overspend (a budget is a hard limit), or nothing.
 */
function fitBudget<B extends DatasetBatch | RegressionBatch>(batch: B, remaining: number, stepCost: (b: number) => number): B | undefined {
  const b = batch.y.shape[0]!;
  if (stepCost(b) <= remaining) return batch;
  let fit = Math.floor((remaining / stepCost(b)) * b);
  while (fit > 0 && stepCost(fit) > remaining) fit--;
  if (fit === 0) return undefined;
  const head = batch.indices.subarray(0, fit);
  return { ...gatherRows(batch, Int32Array.from(head.keys())), indices: head } as B;
}

/**
 * Makes a run directory consistent before a run writes to it: temporary files of
 * interrupted atomic writes are removed, and metrics and step records past `step` (the
 * checkpoint's; written by a run that crashed before it could checkpoint them) are cut,
 * so the logs are never ahead of the checkpoint. Returns what was removed, for the log.
 */
async function tidyRunDirectory(dir: string, step: number): Promise<string[]> {
  const notes: string[] = [];
  for (const file of [CHECKPOINT_FILE, SUMMARY_FILE, METRICS_FILE, STEPS_FILE]) {
    for (const temp of await removeStaleTemps(join(dir, file))) notes.push(`removed ${temp}, left by an interrupted write`);
  }
  for (const file of [METRICS_FILE, STEPS_FILE]) {
    const cut = await truncateJsonLines(join(dir, file), (record) => (record as { step?: number }).step! <= step);
    if (cut.dropped > 0 || cut.tornBytes > 0) notes.push(`${join(dir, file)}: dropped ${cut.dropped} record${cut.dropped === 1 ? '' : 's'} written after the checkpoint${cut.tornBytes > 0 ? ` and a torn last line of ${cut.tornBytes} bytes` : ''}`);
  }
  return notes;
}

/** Parameters from a checkpoint (a run directory or the file), checked against the model. */
async function initialParams(path: string, model: RunModel): Promise<Float32Array> {
  const { params, file } = await loadRunCheckpoint(path);
  model.check(params, `parameters in ${file} (for ${model.spec})`);
  return params;
}

/** The checkpoint of a run directory, or a checkpoint file itself, with the file it was read from. */
export async function loadRunCheckpoint(path: string): Promise<Checkpoint & { readonly file: string }> {
  const file = (await statIfExists(path))?.isDirectory() ? join(path, CHECKPOINT_FILE) : path;
  return { ...(await loadCheckpoint(file)), file };
}

/** The loss and accuracy of the current θ on a dataset, timed. */
type Evaluate = (dataset: AnyDataset) => Promise<Evaluation>;

/** Evaluates θ on both splits and completes the epoch's metrics. */
async function measure(
  evaluate: Evaluate,
  state: TrainState,
  data: DatasetSplit<AnyDataset>,
  batchesPerEpoch: number,
  epoch: Pick<EpochMetrics, 'loss' | 'examples_per_s' | 'lr'>,
): Promise<EpochMetrics> {
  const train = await evaluate(data.train);
  const test = await evaluate(data.test);
  const { progress } = state;
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

/** What evaluation sees: θ, or for a sparse run its sub-net 0, θ ⊙ M₀ (θ keeps weights that only other sub-nets use). */
function modelParams(state: TrainState): Float32Array {
  const masks = (state.hooks[SUBNETS_HOOK] as SubnetsState | undefined)?.masks;
  return masks ? applyMask(state.params, masks[0]!) : state.params;
}

/** Each sub-net alone on the test split. */
async function evaluateSubnets(evaluator: Evaluator, state: TrainState, test: AnyDataset, config: TrainConfig, layout: ParamLayout): Promise<SubnetSummary[]> {
  const { masks } = state.hooks[SUBNETS_HOOK] as SubnetsState;
  const patterns = parseSubnets(config.subnets!);
  const entries = maskedParams(layout, config.sparseParams);
  const out: SubnetSummary[] = [];
  for (const [k, mask] of masks.entries()) {
    const result = await evaluator.evaluate(applyMask(state.params, mask), test, config.evalBatchSize);
    out.push({ pattern: formatPattern(patterns[k]!), density: maskDensity(mask, entries), test_acc: result.accuracy, test_loss: result.loss });
  }
  return out;
}

function applyMask(theta: Float32Array, mask: Float32Array): Float32Array {
  return theta.map((v, i) => v * mask[i]!);
}

/**
 * A resumed run must compute the same thing: only budget keys (and method options that
 * change memory or speed only) may differ from the checkpoint's config.
 */
function checkCompatible(saved: Readonly<Record<string, unknown>>, config: TrainConfig): void {
  const now = config as unknown as Record<string, unknown>;
  const resumable = new Set(Object.entries(descriptor(config.method).options).filter(([, spec]) => spec.resumable).map(([name]) => name));
  const comparable = (key: string, value: unknown) =>
    key === 'options' && value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([name]) => !resumable.has(name))) : value;
  const differences = Object.keys({ ...saved, ...now })
    .filter((key) => !BUDGET_KEYS.includes(key as keyof TrainConfig))
    .filter((key) => JSON.stringify(comparable(key, saved[key])) !== JSON.stringify(comparable(key, now[key])))
    .map((key) => `${key}: checkpoint ${JSON.stringify(saved[key])}, now ${JSON.stringify(now[key])}`);
  if (differences.length > 0) throw new Error(`cannot resume: the run's configuration differs from the checkpoint's (${differences.join('; ')})`);
}
