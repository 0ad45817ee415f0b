import { type Batch, batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import type { Estimate, Estimator } from '../estimators/estimator.js';
import { allFinite } from '../estimators/stats.js';
import { type GradientTransformation, applyUpdates } from '../optim/transform.js';
import type { State } from '../state/state.js';
import type { QueryAllocation } from './allocation.js';

/** Where a run stands. */
export interface Progress {
  /** Completed epochs. */
  readonly epoch: number;
  /** Batches already done in the current epoch. */
  readonly batch: number;
  /** Steps (estimates) taken. */
  readonly step: number;
  /** Updates applied: equals `step` unless the estimator skips updates (MGD between τθ steps). */
  readonly updates: number;
  /** Queries spent: forward evaluations × examples, the hooks' included. */
  readonly queries: number;
  /** Training wall time so far (estimation and updates; evaluation excluded). */
  readonly seconds: number;
}

/**
 * Everything a run learns, as plain data: what a checkpoint holds and a step maps to the
 * next. θ is updated in place (the returned state shares its buffer), like the
 * optimisers' buffers; everything else is replaced.
 */
export interface TrainState {
  readonly params: Float32Array;
  readonly optimizer: State;
  readonly estimator: State;
  readonly allocator: State;
  /** Each hook's state, by hook name. */
  readonly hooks: { readonly [name: string]: State };
  readonly progress: Progress;
}

/** What a hook sees of the step it is part of. */
export interface StepContext {
  readonly params: Float32Array;
  readonly batch: Batch;
  readonly step: number;
}

/**
 * An extension of the step with state of its own (checkpointed under its name): a
 * correction of the estimate before the update (AST's gradient projection), and a look
 * around after it (ExploRLer's candidates) that may replace θ, paying for its queries.
 */
export interface StepHook<S extends State = State> {
  readonly name: string;
  init(params: Float32Array): S;
  afterEstimate?(state: S, estimate: Estimate, context: StepContext): { readonly estimate: Estimate; readonly state: S };
  /** `context.params` is θ after the update; returning `params` replaces it. */
  afterUpdate?(state: S, context: StepContext): Promise<{ readonly state: S; readonly queries: number; readonly params?: Float32Array }>;
}

/** The fixed parts of a run's step. */
export interface Stepper {
  readonly estimator: Estimator;
  readonly optimizer: GradientTransformation;
  /** Query allocation: the allocator, its unit, the step budget for a batch of b examples, and its pilot (see createQueryAllocation). */
  readonly allocation?: QueryAllocation;
  readonly hooks?: readonly StepHook[];
  /** 0/1 per entry of θ, or per step: masked entries are never perturbed nor updated. */
  readonly mask?: Float32Array | ((step: number) => Float32Array);
}

/** A step produced a NaN or infinite loss or gradient (`what` says which). */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';

  constructor(
    readonly step: number,
    readonly what: string,
    message = `step ${step}: ${what}`,
  ) {
    super(message);
  }
}

/** A fresh state for θ (which the state then owns). */
export function initTrainState(stepper: Stepper, params: Float32Array, examples: number): TrainState {
  return {
    params,
    optimizer: stepper.optimizer.init(params),
    estimator: stepper.estimator.init(params),
    allocator: stepper.allocation?.allocator.init(examples) ?? {},
    hooks: Object.fromEntries((stepper.hooks ?? []).map((h) => [h.name, h.init(params)])),
    progress: { epoch: 0, batch: 0, step: 0, updates: 0, queries: 0, seconds: 0 },
  };
}

/**
 * The estimating half of a step: pilot (allocators that measure at θ) → allocate →
 * estimate → allocator feedback → the hooks' corrections; the estimate's queries include
 * the pilot's. The returned state carries the estimator's, allocator's and hooks' new
 * states; θ, the optimiser and the progress are untouched. For loops that measure
 * estimates without training on them (the allocation experiment).
 */
export async function estimateStep(stepper: Stepper, state: TrainState, batch: Batch): Promise<{ readonly state: TrainState; readonly estimate: Estimate }> {
  const { params, progress } = state;
  const mask = typeof stepper.mask === 'function' ? stepper.mask(progress.step) : stepper.mask;
  const allocation = stepper.allocation;
  if (allocation && batch.indices === undefined) throw new TypeError('a query allocation needs batches with dataset indices (its statistics are per example)');
  const kind = allocation?.allocator.pilot;
  if (kind && !allocation!.pilot) throw new TypeError(`allocator ${allocation!.allocator.name} measures each step's ${kind} at θ and needs a pilot (see createQueryAllocation)`);
  const pilot = kind ? await allocation!.pilot!.measure(kind, { params, batch, step: progress.step, estimator: state.estimator, ...(mask && { mask }) }) : undefined;
  const fresh = pilot?.fresh;
  const queries = allocation?.allocator.allocate(state.allocator, { examples: batch.indices!, budget: allocation.budget(batch.y.shape[0]!), minimum: allocation.unit, unit: allocation.unit, ...(fresh && { fresh }) });
  const estimated = await stepper.estimator.estimate(state.estimator, { params, batch, step: progress.step, ...(queries && { allocation: queries }), ...(mask && { mask }) });
  let estimate = pilot ? { ...estimated.estimate, queries: estimated.estimate.queries + pilot.queries } : estimated.estimate;
  const allocator = queries
    ? allocation!.allocator.observe(state.allocator, {
      examples: batch.indices!,
      queries,
      variance: estimate.perExample.variance ?? new Float32Array(queries.length).fill(Number.NaN),
      loss: estimate.perExample.loss,
      minimum: allocation!.unit,
      unit: allocation!.unit,
      ...(fresh && { fresh }),
    })
    : state.allocator;
  const hooks: Record<string, State> = { ...state.hooks };
  for (const hook of stepper.hooks ?? []) {
    if (!hook.afterEstimate) continue;
    const corrected = hook.afterEstimate(hooks[hook.name]!, estimate, { params, batch, step: progress.step });
    estimate = corrected.estimate;
    hooks[hook.name] = corrected.state;
  }
  return { state: { ...state, estimator: estimated.state, allocator, hooks }, estimate };
}

/**
 * One training step, the only one there is: every method, experiment and loop runs it.
 * The estimating half (`estimateStep`), then — unless the estimate carries no gradient —
 * the optimiser update θ ← θ + u and the hooks' look-around. Throws NonFiniteError (θ
 * untouched) when the loss or the gradient is NaN or infinite. The progress counts the
 * step, its queries and its time; epochs and batches are the caller's.
 */
export async function trainStep(stepper: Stepper, state: TrainState, batch: Batch): Promise<{ readonly state: TrainState; readonly estimate: Estimate }> {
  const start = performance.now();
  const estimated = await estimateStep(stepper, state, batch);
  const { estimate } = estimated;
  const { params, progress } = state;
  if (!Number.isFinite(estimate.loss)) throw new NonFiniteError(progress.step, `the loss is ${estimate.loss}`);
  if (estimate.grad && !allFinite(estimate.grad)) throw new NonFiniteError(progress.step, 'the gradient estimate has NaN or infinite entries');
  let { optimizer } = state;
  let updates = progress.updates;
  let extraQueries = 0;
  const hooks: Record<string, State> = { ...estimated.state.hooks };
  if (estimate.grad) {
    // The optimiser may overwrite the gradient buffer in place: it is the estimate's, handed over.
    const update = stepper.optimizer.update(estimate.grad, optimizer, params, updates);
    applyUpdates(params, update.updates);
    optimizer = update.state;
    updates++;
    for (const hook of stepper.hooks ?? []) {
      if (!hook.afterUpdate) continue;
      const looked = await hook.afterUpdate(hooks[hook.name]!, { params, batch, step: progress.step });
      hooks[hook.name] = looked.state;
      extraQueries += looked.queries;
      if (looked.params) params.set(looked.params);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    state: {
      ...estimated.state,
      optimizer,
      hooks,
      progress: { ...progress, step: progress.step + 1, updates, queries: progress.queries + estimate.queries + extraQueries, seconds: progress.seconds + seconds },
    },
    estimate,
  };
}

/**
 * `steps` training steps over a dataset's shuffled batches, epoch after epoch, for loops
 * that need no checkpoints or evaluation (pretraining, prompt tuning); `onStep` sees each.
 */
export async function runSteps(
  stepper: Stepper,
  state: TrainState,
  dataset: AnyDataset,
  { batchSize, seed, steps, onStep }: { readonly batchSize: number; readonly seed: number; readonly steps: number; readonly onStep?: (state: TrainState, estimate: Estimate) => Promise<void> | void },
): Promise<TrainState> {
  let current = state;
  for (let epoch = 0; current.progress.step < steps; epoch++) {
    for (const batch of batches(dataset, { batchSize, seed, epoch })) {
      if (current.progress.step >= steps) break;
      const next = await trainStep(stepper, current, batch);
      current = next.state;
      await onStep?.(current, next.estimate);
    }
  }
  return current;
}
