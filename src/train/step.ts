import type { Allocator } from '../allocators/allocator.js';
import { type Batch, batchCount, batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import type { Estimate, Estimator } from '../estimators/estimator.js';
import { allFinite, readChunks } from '../rng/index.js';
import { type GradientTransformation, applyGradient } from '../optim/transform.js';
import { masked } from '../optim/wrappers.js';
import type { Seed } from '../rng/stream.js';
import type { State } from '../state/state.js';

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
  /** The entries this step trains (Stepper.mask times the hooks' sub-net), when some are masked. */
  readonly mask?: Float32Array;
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
  /**
   * The sparse sub-net this step trains (AST's sub-net t mod K), 0/1 over θ: the estimate
   * is taken at θ ⊙ mask (pruned weights read as zero), only the sub-net's entries are
   * perturbed, and only they move. θ keeps the other entries: other sub-nets use them.
   */
  subnet?(state: S, step: number): Float32Array;
}

/** The fixed parts of a run's step. */
export interface Stepper {
  readonly estimator: Estimator;
  readonly optimizer: GradientTransformation;
  /** Query allocation: the allocator, its unit and the step budget for a batch of b examples. */
  readonly allocation?: { readonly allocator: Allocator; readonly unit: number; readonly budget: (b: number) => number };
  readonly hooks?: readonly StepHook[];
  /** 0/1 per entry of θ, or per step: masked entries are never perturbed nor updated (frozen, still part of the forward pass). */
  readonly mask?: Float32Array | ((step: number) => Float32Array);
}

/** The step's mask (Stepper.mask times the hooks' sub-nets) and the sub-net alone, when there are any. */
function stepMasks(stepper: Stepper, state: TrainState): { readonly mask?: Float32Array; readonly subnet?: Float32Array } {
  const step = state.progress.step;
  const fixed = typeof stepper.mask === 'function' ? stepper.mask(step) : stepper.mask;
  let subnet: Float32Array | undefined;
  for (const hook of stepper.hooks ?? []) {
    const own = hook.subnet?.(state.hooks[hook.name]!, step);
    if (own === undefined) continue;
    if (own.length !== state.params.length) throw new RangeError(`hook ${hook.name}: sub-net mask has length ${own.length}, θ ${state.params.length}`);
    subnet = subnet ? product(subnet, own) : own;
  }
  const mask = fixed && subnet ? product(fixed, subnet) : (fixed ?? subnet);
  return { ...(mask && { mask }), ...(subnet && { subnet }) };
}

function product(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

/** A step produced a NaN or infinite loss or gradient (`what` says which). */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';

  constructor(
    readonly step: number,
    readonly what: string,
    message = `step ${step}: ${what}`,
    /** Queries the failed step spent (they were made, even though the step is void). */
    readonly queries = 0,
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
 * The estimating half of a step: allocate → estimate (at θ ⊙ the hooks' sub-net, under
 * the step's mask) → allocator feedback → the hooks' corrections. The returned state
 * carries the estimator's, allocator's and hooks' new states; θ, the optimiser and the
 * progress are untouched; `mask` is the step's (what the update must keep to). For loops
 * that measure estimates without training on them (the allocation experiment). With
 * `streamGradient` the estimate may carry its gradient as a chunk source
 * (`Estimate.gradientSource`).
 */
export async function estimateStep(stepper: Stepper, state: TrainState, batch: Batch, { streamGradient = false } = {}): Promise<{ readonly state: TrainState; readonly estimate: Estimate; readonly mask?: Float32Array }> {
  const { progress } = state;
  const { mask, subnet } = stepMasks(stepper, state);
  // A sub-net's forward pass sees its pruned weights as zeros.
  const params = subnet ? product(state.params, subnet) : state.params;
  const allocation = stepper.allocation;
  if (allocation && batch.indices === undefined) throw new TypeError('a query allocation needs batches with dataset indices (its statistics are per example)');
  const queries = allocation?.allocator.allocate(state.allocator, { examples: batch.indices!, budget: allocation.budget(batch.y.shape[0]!), minimum: allocation.unit, unit: allocation.unit });
  const estimated = await stepper.estimator.estimate(state.estimator, { params, batch, step: progress.step, ...(queries && { allocation: queries }), ...(mask && { mask }), ...(streamGradient && { streamGradient }) });
  let estimate = estimated.estimate;
  const allocator = queries
    ? allocation!.allocator.observe(state.allocator, { examples: batch.indices!, queries, variance: estimate.perExample.variance ?? new Float32Array(queries.length).fill(Number.NaN), loss: estimate.perExample.loss })
    : state.allocator;
  const hooks: Record<string, State> = { ...state.hooks };
  for (const hook of stepper.hooks ?? []) {
    if (!hook.afterEstimate) continue;
    const corrected = hook.afterEstimate(hooks[hook.name]!, estimate, { params, batch, step: progress.step, ...(mask && { mask }) });
    estimate = corrected.estimate;
    hooks[hook.name] = corrected.state;
  }
  return { state: { ...state, estimator: estimated.state, allocator, hooks }, estimate, ...(mask && { mask }) };
}

/**
 * One training step, the only one there is: every method, experiment and loop runs it.
 * The estimating half (`estimateStep`), then — unless the estimate carries no gradient —
 * the optimiser update θ ← θ + u, fused into one pass of the per-parameter kernel, and
 * the hooks' look-around. Throws NonFiniteError (θ untouched) when the loss or the
 * gradient is NaN or infinite. The progress counts the
 * step, its queries and its time; epochs and batches are the caller's.
 */
export async function trainStep(stepper: Stepper, state: TrainState, batch: Batch): Promise<{ readonly state: TrainState; readonly estimate: Estimate }> {
  const start = performance.now();
  // Hooks correct the estimate as an array; otherwise a gradient regenerated from noise goes
  // straight into the fused update, chunk by chunk, never held whole (MeZO's in-place update).
  const streamGradient = !(stepper.hooks ?? []).some((h) => h.afterEstimate);
  const estimated = await estimateStep(stepper, state, batch, { streamGradient });
  const { estimate, mask } = estimated;
  const { params, progress } = state;
  if (!Number.isFinite(estimate.loss)) throw new NonFiniteError(progress.step, `the loss is ${estimate.loss}`, undefined, estimate.queries);
  const gradient = estimate.grad ?? (estimate.gradientSource && (estimate.gradientSource.finite ? estimate.gradientSource : readChunks(estimate.gradientSource)));
  if (gradient instanceof Float32Array && !allFinite(gradient)) throw new NonFiniteError(progress.step, 'the gradient estimate has NaN or infinite entries', undefined, estimate.queries);
  let { optimizer } = state;
  let updates = progress.updates;
  let extraQueries = 0;
  const hooks: Record<string, State> = { ...estimated.state.hooks };
  if (gradient) {
    // The optimiser may overwrite the gradient buffer in place: it is the estimate's, handed over.
    // Masked entries stay where they are, whatever the optimiser's momentum or decay says.
    optimizer = applyGradient(mask ? masked(mask, stepper.optimizer) : stepper.optimizer, gradient, optimizer, params, updates);
    updates++;
    for (const hook of stepper.hooks ?? []) {
      if (!hook.afterUpdate) continue;
      const looked = await hook.afterUpdate(hooks[hook.name]!, { params, batch, step: progress.step, ...(mask && { mask }) });
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
 * Training steps over a dataset's shuffled batches, epoch after epoch, until the state has
 * taken `steps` steps in all, for loops that need no checkpoints or evaluation
 * (pretraining, prompt tuning, a federated client's local steps); `onStep` sees each. It
 * continues from the state's progress (epoch, batch) and advances it, so a later call, or
 * a state restored from a checkpoint, goes on with the next batch.
 */
export async function runSteps(
  stepper: Stepper,
  state: TrainState,
  dataset: AnyDataset,
  { batchSize, seed, steps, onStep }: { readonly batchSize: number; readonly seed: Seed; readonly steps: number; readonly onStep?: (state: TrainState, estimate: Estimate) => Promise<void> | void },
): Promise<TrainState> {
  const count = batchCount(dataset.size, batchSize);
  if (count === 0) throw new RangeError(`runSteps: dataset '${dataset.name}' has no examples`);
  let current = state;
  while (current.progress.step < steps) {
    if (current.progress.batch >= count) current = { ...current, progress: { ...current.progress, epoch: current.progress.epoch + 1, batch: 0 } };
    const { epoch, batch: startBatch } = current.progress;
    for (const batch of batches(dataset, { batchSize, seed, epoch, startBatch })) {
      if (current.progress.step >= steps) break;
      const next = await trainStep(stepper, current, batch);
      current = { ...next.state, progress: { ...next.state.progress, batch: next.state.progress.batch + 1 } };
      await onStep?.(current, next.estimate);
    }
  }
  return current;
}
