import type { ParamLayout } from '../nn/params.js';
import { fillGaussian, fillRademacher } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/**
 * Reusable per-parameter perturbation buffers, [rows, size] each. Row r ≥ first holds
 * direction d = r − first scaled by ε: element j of parameter p is element
 * d·P + offset(p) + j of the noise stream, so direction d is the stretch [dP, (d+1)P)
 * whatever the layout of the buffers. A step's directions are regenerated from
 * (seed, step) whenever needed and never kept (MeZO's seed trick). An optional
 * leading zero row makes the unperturbed θ one more copy.
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
  fill(count: number, stream: Seed, noise: 'gaussian' | 'rademacher', scale: number, start = 0): Float32Array[] {
    this.allocate(count);
    const buffers = this.buffers;
    const draw = noise === 'gaussian' ? fillGaussian : fillRademacher;
    this.layout.entries.forEach((e, p) => {
      for (let d = 0; d < count; d++) {
        const row = (d + this.first) * e.size;
        draw(buffers[p]!.subarray(row, row + e.size), stream, (start + d) * this.layout.size + e.offset, scale);
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
