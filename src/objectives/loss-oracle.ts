import type { Batch } from '../data/batches.js';
import type { Seed } from '../rng/stream.js';
import { type Distribution, drawDirection } from './directions.js';

/**
 * The loss oracle: per-example losses at θ plus perturbations, on a batch, with the
 * queries counted. It is all a loss-only method (spsa, cge, mgd, surrogates, exploration,
 * landscapes) may ask of a model, so the same method runs on a compiled model program
 * and on any black box (an HTTP endpoint, a device, a simulator, a worker pool).
 *
 * Perturbations are described, not materialised, where they can be: a noise direction is
 * its key and index, so a worker or a device regenerates it from a few bytes.
 */

/** Finite differences along directions: central copies θ ± εzₖ, or forward θ and θ + εzₖ. */
export type Scheme = 'central' | 'forward';

/** K directions zₖ, k ∈ [first, first + count), of the noise stream `key` (entries where mask is 0 are 0). */
export interface NoisePerturbation {
  readonly kind: 'noise';
  readonly key: Seed;
  readonly distribution: Distribution;
  readonly epsilon: number;
  readonly scheme: Scheme;
  readonly first: number;
  readonly count: number;
  /** 0/1 per entry of θ. */
  readonly mask?: Float32Array;
}

/** Coordinate directions: copies θ ± εeᵢ for each listed coordinate i (central differences). */
export interface CoordinatePerturbation {
  readonly kind: 'coordinates';
  readonly coordinates: Int32Array;
  readonly epsilon: number;
}

/** Explicit copies θ + offsetᶜ: offsets [copies, P], row-major (candidates, grid points, hardware codes). */
export interface OffsetPerturbation {
  readonly kind: 'offsets';
  readonly offsets: Float32Array;
  readonly copies: number;
}

export type Perturbation = NoisePerturbation | CoordinatePerturbation | OffsetPerturbation;

export interface LossRequest {
  /** θ [P] (read only). */
  readonly params: Float32Array;
  readonly batch: Batch;
  readonly perturbation: Perturbation;
  /**
   * Allocated queries (noise, central only): direction k evaluates its own m slots,
   * `example` [K·m] holding each slot's batch position (−1: padding, evaluated as
   * example 0 or not at all; its loss means nothing). Default: every copy sees the whole batch.
   */
  readonly slots?: { readonly m: number; readonly example: Int32Array };
  /** Most directions per engine call: a memory bound that model programs honour (default: all). */
  readonly directionsPerCall?: number;
  /**
   * Most bytes of perturbed copies one engine call may hold (model programs honour it, down
   * to one copy per call: MeZO's inference-level memory). Default: no bound beyond
   * `directionsPerCall`.
   */
  readonly copyBytes?: number;
}

export interface LossResult {
  /**
   * Per-example losses, m = slots per direction or the batch size:
   * central [2, K, m] (the + copies, then the − copies), forward [K + 1, m] (θ first),
   * offsets [copies, m].
   */
  readonly losses: Float32Array;
  /** (copy, example) pairs evaluated: the cost, padding included when it was computed. */
  readonly queries: number;
  /**
   * Noise directions only, from oracles that form the float32 copies themselves: per
   * direction, the fraction of its offset εzₖ the copies actually moved θ
   * (`appliedFractions`), so the estimator need not recompute it.
   */
  readonly applied?: Float64Array;
}

export interface LossOracle {
  /** P, the length of θ. */
  readonly dimension: number;
  evaluate(request: LossRequest): Promise<LossResult>;
  /** Releases compiled programs (a black box may hold nothing). */
  dispose(): Promise<void>;
}

/** Copies a perturbation evaluates (per slot column): 2K central, K + 1 forward, or the offsets' rows. */
export function copiesOf(p: Perturbation): number {
  if (p.kind === 'offsets') return p.copies;
  const k = p.kind === 'noise' ? p.count : p.coordinates.length;
  return p.kind === 'noise' && p.scheme === 'forward' ? k + 1 : 2 * k;
}

/**
 * Copy c's offset from θ (εzₖ, ±εeᵢ, an explicit row, or 0 for a forward scheme's θ) as a
 * writer into a [P] buffer: how a black box or a query history forms each copy θ + offset.
 */
export function copyOffsets(request: LossRequest, dimension: number): (c: number, out: Float32Array) => void {
  const p = request.perturbation;
  const d = dimension;
  if (p.kind === 'offsets') return (c, out) => out.set(p.offsets.subarray(c * d, (c + 1) * d));
  if (p.kind === 'coordinates') {
    const n = p.coordinates.length;
    return (c, out) => {
      out.fill(0);
      out[p.coordinates[c % n]!] = c < n ? p.epsilon : -p.epsilon;
    };
  }
  const forward = p.scheme === 'forward';
  return (c, out) => {
    if (forward && c === 0) {
      out.fill(0);
      return;
    }
    const k = forward ? c - 1 : c % p.count;
    drawDirection(out, p.key, p.distribution, p.first + k, d, 0, p.epsilon, p.mask);
    if (!forward && c >= p.count) for (let i = 0; i < d; i++) out[i] = -out[i]!;
  };
}

/** Checks a request's shape before anything runs (RangeError naming the field). */
export function checkLossRequest(request: LossRequest, dimension: number): void {
  const { params, perturbation: p, slots } = request;
  if (!(params instanceof Float32Array) || params.length !== dimension) throw new RangeError(`params must be a Float32Array of length ${dimension}, got length ${params?.length}`);
  if (p.kind === 'noise') {
    if (!Number.isSafeInteger(p.count) || p.count < 1 || !Number.isSafeInteger(p.first) || p.first < 0) throw new RangeError(`noise directions [${p.first}, ${p.first + p.count}) are not a non-empty range`);
    if (p.mask !== undefined && p.mask.length !== dimension) throw new RangeError(`mask has length ${p.mask.length}, θ ${dimension}`);
  }
  if (p.kind !== 'offsets' && !(p.epsilon > 0 && Number.isFinite(p.epsilon))) throw new RangeError(`epsilon must be a positive finite number, got ${p.epsilon}`);
  if (p.kind === 'coordinates' && p.coordinates.some((c) => !(c >= 0 && c < dimension))) throw new RangeError(`coordinates must lie in [0, ${dimension})`);
  if (p.kind === 'offsets' && (!Number.isSafeInteger(p.copies) || p.copies < 1 || p.offsets.length !== p.copies * dimension)) {
    throw new RangeError(`offsets must hold copies × P = ${p.copies} × ${dimension} values, got ${p.offsets.length}`);
  }
  if (slots) {
    if (p.kind !== 'noise' || p.scheme !== 'central') throw new RangeError('allocated slots need central differences along noise directions (each slot is a ± pair)');
    if (slots.example.length !== p.count * slots.m) throw new RangeError(`slots hold ${slots.example.length} entries for ${p.count} directions × ${slots.m}`);
  }
}
