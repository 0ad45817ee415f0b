import type { Model } from '../nn/model.js';
import { fillUniform } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor, noAllocation } from './estimator.js';
import { meanOf } from './graph-outputs.js';
import { PerturbationProgram } from './weight-perturbation.js';

/** Coordinates evaluated per engine call by default (each is two model copies). */
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
    this.program = new PerturbationProgram(model, 'central', { compile: options.compile, directionsPerCall: options.directionsPerCall ?? CHUNK });
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
    noAllocation(this.name, request);
    const size = this.model.layout.size;
    const n = Math.min(size, directionsFor(request, this.options.directions ?? size, 2));
    const coordinates = this.coordinates(n, request.step);
    const epsilon = this.options.epsilon ?? 1e-3;
    const result = await this.program.run({
      theta: request.params,
      batch: request.batch,
      epsilon,
      k: n,
      weights: new Float32Array(n).fill(size / n),
      fill: (buffers, start, count) => {
        const rows = buffers.zeroed(count);
        for (let d = 0; d < count; d++) buffers.setCoordinate(d, coordinates[start + d]!, epsilon);
        return rows;
      },
    });
    return { grad: result.grad, loss: meanOf(result.loss), queries: result.queries, perExample: { loss: result.loss } };
  }
}
