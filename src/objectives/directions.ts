import type { ParamLayout } from '../nn/params.js';
import { fillGaussian, fillRademacher } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';

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

/** z ⊙ mask over a flat vector laid out like θ, in place (mask entries 0 or 1). */
export function applyMask(values: Float32Array, mask: Float32Array | undefined, offset = 0): void {
  if (mask === undefined) return;
  for (let i = 0; i < values.length; i++) values[i]! *= mask[offset + i]!;
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
  (noise === 'gaussian' ? fillGaussian : fillRademacher)(out, stream, d * size + offset, scale);
  applyMask(out, mask, offset);
}
