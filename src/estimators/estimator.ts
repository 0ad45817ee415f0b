import type { HostTensor } from '../engine/ir/host-tensor.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import type { Model } from '../nn/model.js';
import type { State, SerializedState } from '../state/state.js';
import type { Seed } from '../rng/stream.js';

/** A batch of examples: x [b, ...inputShape] float32, y [b] int64 class labels. */
export interface Batch {
  readonly x: HostTensor;
  readonly y: HostTensor;
}

export interface EstimateRequest {
  /** θ, the flat parameter vector (read only). */
  readonly params: Float32Array;
  readonly batch: Batch;
  /** Training step: names this step's noise stream, so a step can be replayed exactly. */
  readonly step: number;
  /** Query budget for this step; each estimator turns it into its number of directions. */
  readonly queries?: number;
  /**
   * Queries per example (from an allocator), summing to the step's budget; estimators
   * that support allocation (lr, fg-a, spsa, fg-w) give example i exactly this many.
   */
  readonly allocation?: Int32Array;
}

export interface PerExample {
  /** Loss of each example at θ (an O(ε²) estimate for central-difference methods). */
  readonly loss: Float32Array;
  /**
   * Variance across this step's directions of each example's directional-derivative
   * coefficient (perturbation methods with 2+ directions): how noisy its estimate is.
   */
  readonly spread?: Float32Array;
}

export interface Estimate {
  /** The gradient estimate of the mean batch loss, laid out like θ. */
  readonly grad: Float32Array;
  /** Mean batch loss at θ (see PerExample.loss). */
  readonly loss: number;
  /** Queries spent: forward evaluations × examples (a JVP pass counts as one). */
  readonly queries: number;
  readonly perExample: PerExample;
}

/** Estimates gradients of a model's mean cross-entropy on a batch. */
export interface Estimator {
  readonly name: string;
  readonly model: Model;
  estimate(request: EstimateRequest): Promise<Estimate>;
  /** State the estimator learns as it goes (lr's noise scales), as plain data for checkpoints. */
  state?(): State;
  /** Puts back what `state()` returned (deserialised into the current state's shape). */
  restore?(saved: SerializedState): void;
}

/** Refuses a query allocation in estimators that cannot use one. */
export function noAllocation(name: string, request: EstimateRequest): void {
  if (request.allocation) throw new RangeError(`${name} does not take a query allocation; methods that do: lr, fg-a, spsa, fg-w`);
}

export interface EstimatorOptions {
  /** Root of every noise stream the estimator draws (per step and direction). */
  readonly seed?: Seed;
  /** Directions (perturbations) per step, K; a query budget overrides it. */
  readonly directions?: number;
  /**
   * Most directions evaluated in one engine call (spsa: default 4, cge: 64): more is faster
   * up to a point, 1 keeps memory at inference level, as in MeZO.
   */
  readonly directionsPerCall?: number;
  /** Perturbation size for finite-difference estimators (spsa, cge). */
  readonly epsilon?: number;
  /**
   * Direction distribution: spsa (default Rademacher, Spall's choice), fg-w and fg-a
   * (default Gaussian, as in the papers). Both have E[zzᵀ] = I, so estimates stay unbiased.
   */
  readonly noise?: 'gaussian' | 'rademacher';
  /** spsa: two-point central differences, or one-point differences against the unperturbed loss. */
  readonly scheme?: 'central' | 'forward';
  /**
   * fg-a: give the readout (the last layer) its exact gradient, a local computation on
   * its input, as Ren et al. do for readouts and local heads (default true); false
   * perturbs the output like every other pre-activation.
   */
  readonly exactReadout?: boolean;
  /** lr: initial noise scale σ of every unit (default 1e-2). */
  readonly sigma?: number;
  /** lr: step size of the noise scales' own updates in log space (default 1e-3; 0 keeps σ fixed). */
  readonly sigmaLr?: number;
  readonly compile?: CompileOptions;
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
