import type { State } from '../state/state.js';

/**
 * Query allocation (FLOPS, Ren et al. 2025): within a batch, split a fixed budget of
 * queries (forward evaluations of one example) unevenly, more to the examples whose
 * gradient estimates are noisier. The batch estimate (1/B) Σᵢ ĝᵢ with nᵢ queries for
 * example i has variance (1/B²) Σᵢ σᵢ²/nᵢ; allocators choose the nᵢ.
 */
export interface AllocationRequest {
  /** Dataset index of each example in the batch (keys for per-example statistics). */
  readonly examples: Int32Array;
  /** Total queries for the batch; the allocation spends exactly this many. */
  readonly budget: number;
  /** Fewest queries any example gets (≥ 1 keeps every example's estimate defined). */
  readonly minimum: number;
  /** Queries come in indivisible units of this size (2 for antithetic pairs). */
  readonly unit?: number;
  /** What a pilot measured at this step's θ, for allocators that ask for one (`Allocator.pilot`). */
  readonly fresh?: FreshStatistics;
}

/**
 * Per-example statistics measured at the step's θ before allocating (FLOPS's fresh
 * per-step losses), against running statistics that are as old as the example's last
 * visit. A pilot's noise is independent of the step's estimate, so an allocation made
 * from it leaves the estimate unbiased.
 */
export interface FreshStatistics {
  /** Loss of each example at θ. */
  readonly loss: Float32Array;
  /** Variance of one query's coefficient (a pilot estimate with two queries per example); absent from a loss pilot. */
  readonly variance?: Float32Array;
}

/** Where an allocator reads its per-example statistics from: running averages over earlier visits, or a pilot at this step's θ. */
export type Statistics = 'running' | 'fresh';

/** What a step showed about its examples, for allocators that learn. */
export interface AllocationFeedback {
  readonly examples: Int32Array;
  /** Queries each example got. */
  readonly queries: Int32Array;
  /** Per-example variance of one query's estimate (a proxy of σᵢ², see the estimator); NaN when unknown. */
  readonly variance: Float32Array;
  /** Per-example loss. */
  readonly loss: Float32Array;
  /** The fresh statistics the allocation was made from, if any. */
  readonly fresh?: FreshStatistics;
  /** The allocation's minimum and unit (default 1): what an allocator that learns may re-allocate under. */
  readonly minimum?: number;
  readonly unit?: number;
}

/** An allocator; what it learns is explicit plain data (checkpointed with the run), like an estimator's. */
export interface Allocator<S extends State = State> {
  readonly name: string;
  /**
   * What must be measured at the step's θ before each allocation (`AllocationRequest.fresh`):
   * 'loss', one forward query per example, or 'variance', a pilot estimate; absent for
   * allocators that read running statistics only. The queries count towards the step's.
   */
  readonly pilot?: 'loss' | 'variance';
  /** Fresh state for a dataset of `examples` examples (statistics are kept per dataset index). */
  init(examples: number): S;
  /** Queries per example, in the batch's order, summing exactly to the budget. */
  allocate(state: S, request: AllocationRequest): Int32Array;
  /** What it learns from a step's per-example statistics: the next state (`state` is not modified). */
  observe(state: S, feedback: AllocationFeedback): S;
}

/**
 * Integer queries proportional to `weights` with at least `minimum` each and exactly
 * `budget` in all: the minimum first, the rest split by weight and rounded by largest
 * remainder, in units of `unit`. Throws when the budget cannot cover the minimum.
 */
export function roundAllocation(weights: ArrayLike<number>, budget: number, minimum: number, unit = 1): Int32Array {
  const n = weights.length;
  if (!Number.isInteger(unit) || unit < 1) throw new RangeError(`unit must be a positive integer, got ${unit}`);
  if (!Number.isInteger(budget) || budget % unit !== 0) throw new RangeError(`budget must be a whole number of ${unit}-query units, got ${budget}`);
  const minUnits = Math.ceil(minimum / unit);
  const units = budget / unit;
  if (!(minimum >= 1) || minUnits * n > units) {
    throw new RangeError(`a budget of ${budget} queries cannot give ${n} examples at least ${minimum} each (needs ${minUnits * n * unit})`);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights[${i}] is ${w}; weights must be finite and non-negative`);
    total += w;
  }
  const spare = units - minUnits * n;
  const share = Float64Array.from({ length: n }, (_, i) => (total > 0 ? (spare * weights[i]!) / total : spare / n));
  const result = Int32Array.from(share, (s) => minUnits + Math.floor(s));
  let left = units - result.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the earlier example so the result is deterministic.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => share[b]! - Math.floor(share[b]!) - (share[a]! - Math.floor(share[a]!)) || a - b);
  for (const i of order) {
    if (left === 0) break;
    result[i]!++;
    left--;
  }
  return result.map((u) => u * unit);
}
