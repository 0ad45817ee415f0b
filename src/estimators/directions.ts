import type { ParamLayout } from '../nn/params.js';
import { fillGaussian, fillRademacher } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/**
 * Reusable per-parameter direction buffers, [K, size] each, filled from a noise stream:
 * element j of parameter p in direction k is element k·P + offset(p) + j of the stream,
 * so direction k is the stretch [kP, (k+1)P). A step's directions are regenerated from
 * (seed, step) whenever needed and never kept (MeZO's seed trick).
 */
export class DirectionBuffers {
  private buffers: Float32Array[] = [];
  private k = 0;

  constructor(private readonly layout: ParamLayout) {}

  /** Buffers for K directions (reallocated only when K changes). */
  resize(k: number): Float32Array[] {
    if (k !== this.k) {
      this.buffers = this.layout.entries.map((e) => new Float32Array(k * e.size));
      this.k = k;
    }
    return this.buffers;
  }

  /** Fills K directions from `stream` with Gaussian or Rademacher (±1) entries. */
  fill(k: number, stream: Seed, noise: 'gaussian' | 'rademacher'): Float32Array[] {
    const buffers = this.resize(k);
    const draw = noise === 'gaussian' ? fillGaussian : fillRademacher;
    this.layout.entries.forEach((e, p) => {
      for (let d = 0; d < k; d++) draw(buffers[p]!.subarray(d * e.size, (d + 1) * e.size), stream, d * this.layout.size + e.offset);
    });
    return buffers;
  }
}
