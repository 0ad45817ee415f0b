import type { ParamLayout } from '../nn/params.js';
import { fillGaussian, fillRademacher, vectorKernel } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { CHUNK, type ChunkSource, type VectorBackend, appliedRatio, noiseInto } from '../rng/vector.js';
import type { Scheme } from './loss-oracle.js';

/** Distribution of perturbation directions; both have E[zzᵀ] = I. */
export type Distribution = 'gaussian' | 'rademacher';

/**
 * The noise key of a step: every direction an estimator draws at `step` is addressed
 * by it, so a step replays exactly from (seed, step). With `hold` > 1, steps
 * [h·hold, (h + 1)·hold) share one key: a perturbation held for several steps (MGD's τp).
 */
export function stepKey(seed: Seed, step: number, hold = 1): bigint {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`step must be a non-negative integer, got ${step}`);
  if (!Number.isSafeInteger(hold) || hold < 1) throw new RangeError(`hold must be a positive integer, got ${hold}`);
  return deriveSeed(seed, Math.floor(step / hold));
}

/**
 * Reusable per-parameter perturbation buffers, [rows, size] each. Row r ≥ first holds
 * direction d = r − first scaled by ε: element j of parameter p is element
 * d·P + offset(p) + j of the noise stream, so direction d is the stretch [dP, (d+1)P)
 * whatever the layout of the buffers. A step's directions are regenerated from
 * (seed, step) whenever needed and never kept (MeZO's seed trick). An optional
 * leading zero row makes the unperturbed θ one more copy. A mask over θ zeroes the
 * masked entries of every direction without moving the others' stream addresses.
 */
export class DirectionBuffers {
  private buffers: Float32Array[] = [];
  private rows = 0;

  constructor(
    private readonly layout: ParamLayout,
    /** Rows before the first direction (kept at zero). */
    readonly first: 0 | 1 = 0,
  ) {}

  /** Zeroed buffers for K directions (reallocated only when K changes). */
  zeroed(k: number): Float32Array[] {
    if (!this.allocate(k)) for (const b of this.buffers) b.fill(0);
    return this.buffers;
  }

  /** Buffers for K directions, fresh (zero) when K changed; false when reused as they are. */
  private allocate(k: number): boolean {
    if (k + this.first === this.rows) return false;
    this.rows = k + this.first;
    this.buffers = this.layout.entries.map((e) => new Float32Array(this.rows * e.size));
    return true;
  }

  /**
   * Fills directions [start, start + count) of `stream` (ε·z, z Gaussian or Rademacher ±1)
   * into the direction rows. Every direction row is overwritten and the leading zero row
   * never is, so no clearing pass: it would be a second write of K·P floats per step.
   */
  fill(count: number, stream: Seed, noise: Distribution, scale: number, start = 0, mask?: Float32Array): Float32Array[] {
    this.allocate(count);
    const buffers = this.buffers;
    this.layout.entries.forEach((e, p) => {
      for (let d = 0; d < count; d++) {
        const row = (d + this.first) * e.size;
        drawDirection(buffers[p]!.subarray(row, row + e.size), stream, noise, start + d, this.layout.size, e.offset, scale, mask);
      }
    });
    return buffers;
  }

  /** Sets row d (a direction) to ε times coordinate `coordinate` of θ (on buffers from `zeroed`). */
  setCoordinate(d: number, coordinate: number, scale: number): void {
    const p = this.layout.entries.findIndex((e) => coordinate < e.offset + e.size);
    const e = this.layout.entries[p]!;
    this.buffers[p]![(d + this.first) * e.size + coordinate - e.offset] = scale;
  }
}

/**
 * Direction d of `stream` for the θ entries [offset, offset + out.length), times `scale`
 * (and the mask): elements d·P + offset … of the stream, so any part of any direction can
 * be regenerated alone — by a worker, or chunk by chunk to keep memory flat.
 */
export function drawDirection(out: Float32Array, stream: Seed, noise: Distribution, d: number, size: number, offset: number, scale: number, mask?: Float32Array): void {
  if (mask === undefined) {
    (noise === 'gaussian' ? fillGaussian : fillRademacher)(out, stream, d * size + offset, scale);
    return;
  }
  const kernel = vectorKernel();
  for (let start = 0; start < out.length; start += CHUNK) {
    const n = Math.min(CHUNK, out.length - start);
    directionChunk(kernel, 0, stream, noise, d, size, offset + start, n, scale, mask, 1);
    out.set(kernel.slots[0]!.subarray(0, n), start);
  }
}

/**
 * θ entries [offset, offset + n) of direction d (drawDirection's values) into the kernel's
 * slot `p`, n ≤ CHUNK; a mask goes through slot `maskSlot`.
 */
export function directionChunk(kernel: VectorBackend, p: number, stream: Seed, noise: Distribution, d: number, size: number, offset: number, n: number, scale: number, mask: Float32Array | undefined, maskSlot: number): void {
  noiseInto(kernel, p, noise === 'gaussian', stream, d * size + offset, n, scale);
  if (mask === undefined) return;
  kernel.slots[maskSlot]!.set(mask.subarray(offset, offset + n));
  kernel.mul(p, p, maskSlot, n);
}

/** Noise directions [first, first + count) of a key, as a loss request names them. */
export interface DirectionSet {
  readonly key: Seed;
  readonly distribution: Distribution;
  readonly epsilon: number;
  readonly first: number;
  readonly count: number;
  readonly mask?: Float32Array;
}

/**
 * The step the float32 copies actually take along each offset o = εz: θ ± o moves θ by
 * δ = fl(θ + o) − fl(θ − o) (central, halved) or fl(θ + o) − θ (forward), and the loss
 * difference measures ∇L·δ ≈ (δ·o / o·o) ∇L·o; returns δ·o / o·o per direction, 1 when
 * nothing rounds and 0 when ε is below float32's spacing at θ's magnitude. The sums run in
 * four interleaved float64 partial sums by θ's index (the kernel's `applied`), the same
 * whoever forms the copies and however θ is cut into chunks.
 */
export function appliedFractions(theta: Float32Array, directions: DirectionSet, scheme: Scheme): Float64Array {
  const { key, distribution, epsilon, first, count, mask } = directions;
  const kernel = vectorKernel();
  const measured = sharedAppliedStep(distribution, scheme) ? Math.min(count, 1) : count;
  const sums = Array.from({ length: measured }, () => new Float64Array(8));
  for (let start = 0; start < theta.length; start += CHUNK) {
    const n = Math.min(CHUNK, theta.length - start);
    kernel.slots[0]!.set(theta.subarray(start, start + n));
    for (let d = 0; d < measured; d++) {
      directionChunk(kernel, 1, key, distribution, first + d, theta.length, start, n, epsilon, mask, 2);
      kernel.applied(0, 1, n, start, scheme === 'central', sums[d]!);
    }
  }
  return Float64Array.from({ length: count }, (_, d) => appliedRatio(sums[Math.min(d, measured - 1)]!));
}

/**
 * Whether every direction of a set takes the same applied step (appliedFractions), so
 * that measuring one measures all: Rademacher directions under central differences.
 * Flipping the sign of zᵢ negates oᵢ exactly, and float32 rounding is symmetric
 * (fl(−a) = −fl(a)), so it negates δᵢ = (fl(θᵢ + oᵢ) − fl(θᵢ − oᵢ))/2 exactly too: the
 * terms δᵢ·oᵢ and oᵢ² of the sums are the same bits for every sign pattern (a mask
 * scales both signs alike). Forward differences (fl(θᵢ + oᵢ) − θᵢ) are not symmetric,
 * nor are Gaussian magnitudes.
 */
export function sharedAppliedStep(distribution: Distribution, scheme: Scheme): boolean {
  return distribution === 'rademacher' && scheme === 'central';
}

/**
 * Σₖ aₖ zₖ over directions first … first + K − 1 as a chunk source: each chunk is
 * regenerated from the key when asked for (directions in order, each added as
 * (aₖ/ε)·εzₖ in float64 and rounded), so the sum is never held whole — MeZO's update at
 * inference-level memory — and bit for bit the same whenever it is asked for. Finite
 * when every aₖ is and Σ|aₖ|·max|z| stays far below float32's range (max |z| ≤ 8: the
 * Box–Muller radius of a 32-bit word is at most 6.7).
 */
export function directionSum(directions: DirectionSet, weights: Float64Array, size: number): ChunkSource {
  const { key, distribution, epsilon, first, mask } = directions;
  const bound = weights.reduce((s, a) => s + Math.abs(a), 0) * (distribution === 'gaussian' ? 8 : 1);
  // The first term alone: 0 + (a/ε)·(±fl(ε)) rounds to ±fl((a/ε)·fl(ε)), which a Rademacher
  // draw writes directly (its scale rounded once, the sign flipped exactly); -1: none so drawn.
  const drawn = distribution === 'rademacher' && mask === undefined ? weights.findIndex((a) => a !== 0) : -1;
  return {
    length: size,
    finite: Number.isFinite(bound) && bound < 1e37,
    fill(kernel, slot, offset, n, scratch) {
      if (drawn < 0) kernel.slots[slot]!.fill(0, 0, n);
      else noiseInto(kernel, slot, false, key, (first + drawn) * size + offset, n, (weights[drawn]! / epsilon) * Math.fround(epsilon));
      for (let d = drawn + 1; d < weights.length; d++) {
        const a = weights[d]!;
        if (a === 0) continue;
        directionChunk(kernel, scratch, key, distribution, first + d, size, offset, n, epsilon, mask, scratch + 1);
        kernel.axpy(slot, scratch, n, a / epsilon);
      }
    },
  };
}
