import type { Model } from '../nn/model.js';
import { fillUniform } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { columnStats, meanOf } from './graph-outputs.js';
import { PerturbationProgram } from './weight-perturbation.js';

/** Coordinates evaluated per engine call (each is two model copies). */
const CHUNK = 64;

/**
 * Coordinate-wise gradient estimation (CGE): central differences along coordinate axes,
 * cᵢ = [L(θ + εeᵢ) − L(θ − εeᵢ)] / 2ε. With every coordinate (the default) this is the
 * full finite-difference gradient, 2P queries per example — for tiny models and black
 * boxes. With a budget of n < P coordinates per step, a fresh random subset S gives the
 * unbiased estimate (P/n) Σ_{i∈S} cᵢ eᵢ (randomised coordinate descent).
 */
export class CoordinateEstimator implements Estimator {
  readonly name = 'cge';
  private readonly program: PerturbationProgram;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {
    this.program = new PerturbationProgram(model, 'central', options.compile);
  }

  /** This step's coordinates: all of them, or n drawn without replacement (partial Fisher–Yates). */
  private coordinates(n: number, step: number): Int32Array {
    const size = this.model.layout.size;
    const all = Int32Array.from({ length: size }, (_, i) => i);
    if (n >= size) return all;
    const u = new Float32Array(n);
    fillUniform(u, deriveSeed(this.options.seed ?? 0, step));
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(u[i]! * (size - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.subarray(0, n);
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    const size = this.model.layout.size;
    const n = Math.min(size, directionsFor(request, this.options.directions ?? size, 2));
    const coordinates = this.coordinates(n, request.step);
    const b = request.batch.y.shape[0]!;
    const grad = new Float32Array(size);
    const loss = new Float32Array(b);
    const epsilon = this.options.epsilon ?? 1e-3;
    for (let start = 0; start < n; start += CHUNK) {
      const chunk = coordinates.subarray(start, Math.min(n, start + CHUNK));
      const k = chunk.length;
      const offsets = this.program.buffers.zeroed(k);
      chunk.forEach((coordinate, d) => this.program.buffers.setCoordinate(d, coordinate, epsilon));
      const result = await this.program.run(request.params, request.batch, offsets, epsilon, new Float32Array(k).fill(size / n));
      for (let i = 0; i < size; i++) grad[i]! += result.grad[i]!;
      const chunkLoss = columnStats(result.losses.data as Float32Array, 2 * k).mean;
      for (let i = 0; i < b; i++) loss[i]! += (chunkLoss[i]! * k) / n;
    }
    return { grad, loss: meanOf(loss), queries: 2 * n * b, perExample: { loss } };
  }
}
