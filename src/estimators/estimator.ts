import type { Batch } from '../data/batches.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import type { Model } from '../nn/model.js';
import type { Distribution } from '../objectives/directions.js';
import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import type { Objective } from '../objectives/objective.js';
import type { Seed } from '../rng/stream.js';
import type { ChunkSource } from '../rng/vector.js';
import type { State } from '../state/state.js';
import type { OptionSpecs, OptionValues } from './options.js';

/**
 * The estimator contract. An estimator turns (θ, batch, step) into a gradient estimate of
 * the objective's mean batch loss. Its learned state is explicit plain data — `init`
 * makes it, `estimate` takes it and returns the next one without modifying it — so a step
 * replays exactly from (state, request) and checkpoints hold everything. Loss-only
 * estimators also split into `ask` (the queries to evaluate) and `tell` (the estimate
 * from their losses), as evosax and nevergrad do, so whoever owns evaluation (a device,
 * a worker pool, a federated client) can sit in between.
 */

export interface EstimateRequest {
  /** θ, the flat parameter vector (read only). */
  readonly params: Float32Array;
  readonly batch: Batch;
  /** Training step: names this step's noise key, so a step can be replayed exactly. */
  readonly step: number;
  /** Query budget for this step; estimators with directions turn it into their number. */
  readonly queries?: number;
  /**
   * Queries per example (from an allocator), summing to the step's budget; estimators
   * whose descriptor has `allocation` give example i exactly this many.
   */
  readonly allocation?: Int32Array;
  /** 0/1 per entry of θ: masked entries get no perturbation and no gradient (sparse sub-nets). */
  readonly mask?: Float32Array;
  /**
   * The caller takes the gradient as a chunk source (`Estimate.gradientSource`), as the
   * trainer's fused update does: estimators that regenerate their gradient from noise
   * then return it that way, instead of `grad`, and hold no parameter-sized buffer for it.
   */
  readonly streamGradient?: boolean;
}

export interface PerExample {
  /** Loss of each example at θ (an O(ε²) estimate for central-difference methods). */
  readonly loss: Float32Array;
  /**
   * Variance across this step's queries of each example's coefficient (perturbation
   * methods with 2+ queries per example): how noisy its estimate is, FLOPS's σᵢ².
   */
  readonly variance?: Float32Array;
}

/**
 * Per-query evidence of a weight-perturbation step, enough to rebuild its gradient with
 * no model: ĝ = Σₖ Σⱼ wₖⱼ cₖⱼ zₖ with zₖ direction k of `key` (masked). A worker or a
 * federated client sends these numbers instead of a dense gradient.
 */
export interface DirectionSamples {
  readonly kind: 'directions';
  readonly key: Seed;
  readonly distribution: Distribution;
  /** Scale the directions were drawn at, εzₖ (ε for spsa, 1 for fg-w): regenerate them the same way. */
  readonly epsilon: number;
  readonly mask?: Float32Array;
  /** Directions K (z₀ … z_{K−1} of the key) and slots per direction m. */
  readonly k: number;
  readonly m: number;
  /** cₖⱼ ≈ ∇ℓ · zₖ for slot j's example: [K, m]. */
  readonly coefficients: Float32Array;
  /** wₖⱼ, the weight of each coefficient in the estimate: [K, m]. */
  readonly weight: Float32Array;
  /** Batch position of each slot's example (−1: padding): [K, m]. */
  readonly example: Int32Array;
}

/** Coordinate directions: ĝᵢ = Σ wⱼ cⱼ over the entries j that moved coordinate i. */
export interface CoordinateSamples {
  readonly kind: 'coordinates';
  readonly coordinates: Int32Array;
  readonly coefficients: Float32Array;
  readonly weight: Float32Array;
}

/**
 * Per-query evidence of activity or node perturbation: the noise is per example and per
 * unit, so rebuilding the gradient needs the model (the layers' local maps); see
 * `Estimator.rebuild`. `coefficients` is what multiplies each row's noise.
 */
export interface ActivitySamples {
  readonly kind: 'activity';
  readonly key: Seed;
  /** Rows (queries) per site and direction, and their coefficients [sites, K, rows]. */
  readonly rows: number;
  readonly k: number;
  readonly coefficients: Float32Array;
  /** Batch position of each row's example. */
  readonly example: Int32Array;
}

/**
 * Queries at explicit points with the mean batch loss at each: what a query history keeps
 * (the surrogate, rgf and prgf; `pointSamples` makes them from any oracle request and result).
 */
export interface PointSamples {
  readonly kind: 'points';
  /** The queried parameter vectors as the oracle formed them (θ + offset in float32): [n, P]. */
  readonly points: Float32Array;
  /** The mean loss over the batch's examples at each point: [n]. */
  readonly losses: Float32Array;
}

export type Samples = DirectionSamples | CoordinateSamples | ActivitySamples | PointSamples;

export interface Estimate {
  /**
   * The gradient estimate of the mean batch loss, laid out like θ (0 on masked entries);
   * absent when the estimator asks for no update this step (MGD integrating between updates).
   */
  readonly grad?: Float32Array;
  /**
   * The same estimate as chunks computed on demand (each time bit for bit the same), in
   * place of `grad` when the request asked for `streamGradient`: an update follows when
   * either is present.
   */
  readonly gradientSource?: ChunkSource;
  /** Mean batch loss at θ (see PerExample.loss). */
  readonly loss: number;
  /** Queries spent: forward evaluations × examples (a JVP pass counts as one). */
  readonly queries: number;
  readonly perExample: PerExample;
  readonly samples?: Samples;
  /** Conditions the caller should hear about once (an ε close to float32's spacing). */
  readonly warnings?: readonly string[];
}

export interface Estimated<S extends State> {
  readonly estimate: Estimate;
  readonly state: S;
}

export interface Estimator<S extends State = State> {
  readonly name: string;
  /** Fresh state for parameters like θ: plain data, checkpointed with the run (EmptyState when there is nothing to learn). */
  init(params: Float32Array): S;
  /** One estimate. `state` is not modified; the returned one replaces it. */
  estimate(state: S, request: EstimateRequest): Promise<Estimated<S>>;
  /** The gradient rebuilt from a step's `samples` (activity and node perturbation: needs the model and the batch). */
  rebuild?(state: S, request: EstimateRequest, samples: Samples): Promise<Float32Array>;
  /** Releases compiled programs; the estimator is unusable afterwards. */
  dispose(): Promise<void>;
}

/** An estimator that needs only losses: `estimate` is `tell(ask(), oracle.evaluate(ask()))`. */
export interface LossOnlyEstimator<S extends State = State> extends Estimator<S> {
  readonly oracle: LossOracle;
  /** The queries of this step; null when the step needs none (a surrogate's virtual step). */
  ask(state: S, request: EstimateRequest): LossRequest | null;
  /** The estimate from the queries' losses (from any evaluator: the oracle, a device, a worker pool); null when ask asked nothing. */
  tell(state: S, request: EstimateRequest, result: LossResult | null): Estimated<S>;
}

/** What an estimator is built on: the model (graph methods) or a loss oracle (loss-only methods), the objective, a seed. */
export interface EstimatorContext {
  /** What is minimised; graph methods build it into their programs (a black box holds its own). */
  readonly objective?: Objective;
  /** The model graph; required unless the descriptor `needs` only losses. */
  readonly model?: Model;
  /** Where losses come from; loss-only estimators on a model get its ModelLossOracle. */
  readonly oracle?: LossOracle;
  /** Root of every noise stream the estimator draws. */
  readonly seed: Seed;
  readonly compile?: CompileOptions;
}

/** What a method needs from the thing it trains. */
export type Needs = 'losses' | 'forward-mode' | 'reverse-mode';

/**
 * Everything about one method in one place: the registry, the trainer's config, the CLI's
 * flags and `--help`, and the conformance tests all derive from it.
 */
export interface EstimatorDescriptor<O extends object = OptionValues> {
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** The method's source (paper, section). */
  readonly paper: string;
  /** 'losses': any loss oracle, black boxes included; otherwise the model graph. */
  readonly needs: Needs;
  /** Local-loss methods need a model built of blocks with local heads. */
  readonly localHeads?: boolean;
  /** Objectives the method supports (default all). */
  readonly objectives?: readonly string[];
  readonly options: OptionSpecs<O>;
  /**
   * Checks options that must agree with each other (each is already in its range), before
   * anything is built: throws a RangeError naming the flags (--fdma-high with --taup).
   */
  check?(options: O): void;
  /** Learning rate that works with Adam (see the README's results). */
  readonly defaultLearningRate: number;
  /**
   * The optimiser a run uses when none is named, and its learning rate (absent: Adam at
   * defaultLearningRate): SGD for spsa, which then holds no optimiser state (Adam's moments
   * cost two parameter-sized buffers).
   */
  readonly defaultOptimizer?: { readonly name: 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw'; readonly lr: number };
  /** Query allocation support: queries come in units of `unit`; the default budget is `queriesPerExample` per example. */
  readonly allocation?: { readonly unit: number; readonly queriesPerExample: number };
  /**
   * Queries of one step without a budget or an allocation: the documented cost, and the
   * most any step spends (query budgets rely on it). Exact for every step unless
   * `variableCost`.
   */
  cost(options: O, batch: number, parameters: number): number;
  /** Steps cost different amounts (a first step, virtual steps): `cost` is their maximum. */
  readonly variableCost?: true;
  create(context: EstimatorContext, options: O): Estimator;
}

/**
 * A method's descriptor with its option types erased, for the registry. Sound because
 * `createEstimator` checks options against the descriptor's specs (resolveOptions)
 * before `create` or `cost` sees them.
 */
export function defineEstimator<O extends object>(descriptor: EstimatorDescriptor<O>): EstimatorDescriptor {
  return descriptor as unknown as EstimatorDescriptor;
}

/** Number of directions for a step: the budget divided by the cost of one direction, at least 1. */
export function directionsFor(request: EstimateRequest, fallback: number, queriesPerDirection: number, base = 0): number {
  if (request.queries === undefined) return fallback;
  const batch = request.batch.y.shape[0]!;
  const k = Math.floor((request.queries / batch - base) / queriesPerDirection);
  if (k < 1) {
    throw new RangeError(`a budget of ${request.queries} queries cannot pay for one direction on a batch of ${batch} (needs ${(base + queriesPerDirection) * batch})`);
  }
  return k;
}

/** Refuses a query allocation in estimators that cannot use one. */
export function noAllocation(name: string, request: EstimateRequest): void {
  if (request.allocation) throw new RangeError(`${name} does not take a query allocation (see its descriptor's allocation)`);
}

/** [model, objective] of a graph estimator's context, or a TypeError saying the method needs them. */
export function graph(name: string, context: EstimatorContext): readonly [Model, Objective] {
  if (context.model === undefined) throw new TypeError(`${name} needs the model graph; a black box offers losses only (use a loss-only method)`);
  if (context.objective === undefined) throw new TypeError(`${name} needs the objective to build into its programs`);
  return [context.model, context.objective];
}

/** `estimate` of a loss-only estimator: ask, evaluate on its oracle (unless nothing was asked), tell. */
export async function askAndTell<S extends State>(estimator: LossOnlyEstimator<S>, state: S, request: EstimateRequest): Promise<Estimated<S>> {
  const asked = estimator.ask(state, request);
  return estimator.tell(state, request, asked === null ? null : await estimator.oracle.evaluate(asked));
}
