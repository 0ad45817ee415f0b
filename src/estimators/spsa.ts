import type { Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { meanOf } from './graph-outputs.js';
import { directionGrid, perExample } from './rows.js';
import { PerturbationProgram } from './weight-perturbation.js';

/**
 * SPSA (Spall 1992) and MeZO (Malladi et al. 2023): weight perturbation along K random
 * directions zₖ, g = (1/K) Σₖ c̄ₖ zₖ with
 *   central: c̄ₖ = mean_i [ℓᵢ(θ + εzₖ) − ℓᵢ(θ − εzₖ)] / 2ε      (2K queries per example)
 *   forward: c̄ₖ = mean_i [ℓᵢ(θ + εzₖ) − ℓᵢ(θ)] / ε             (K + 1 queries per example)
 * Unbiased for the gradient up to O(ε²) when E[z zᵀ] = I: Rademacher (±1, Spall's
 * choice and the cheapest to draw) or Gaussian (MeZO). Directions are regenerated from
 * (seed, step), never stored; the copies of up to `directionsPerCall` directions (default
 * 4) run in one engine call.
 */
export class Spsa implements Estimator {
  readonly name = 'spsa';
  private readonly program: PerturbationProgram;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {
    // Four directions per call run as fast as all of them here while holding a quarter of the copies.
    this.program = new PerturbationProgram(model, options.scheme ?? 'central', { compile: options.compile, directionsPerCall: options.directionsPerCall ?? 4 });
  }

  /**
   * With an allocation (central differences), example i is evaluated under nᵢ/2
   * directions: a query is one ±εz evaluation of one example, so nᵢ must be even.
   */
  async estimate(request: EstimateRequest): Promise<Estimate> {
    const central = this.program.scheme === 'central';
    const { allocation } = request;
    if (allocation?.some((n) => n % 2 !== 0)) throw new RangeError('spsa takes queries in ± pairs: every example needs an even number');
    const grid = allocation && directionGrid(request.batch, allocation.map((n) => n / 2));
    const k = grid ? grid.k : directionsFor(request, this.options.directions ?? 16, central ? 2 : 1, central ? 0 : 1);
    const epsilon = this.options.epsilon ?? 1e-3;
    const stream = deriveSeed(this.options.seed ?? 0, request.step);
    const noise = this.options.noise ?? 'rademacher';
    const result = await this.program.run({
      theta: request.params,
      batch: request.batch,
      epsilon,
      k,
      ...(grid && { grid }),
      fill: (buffers, start, count) => buffers.fill(count, stream, noise, epsilon, start),
    });
    const b = request.batch.y.shape[0]!;
    const spread = perExample(result.coefficients, result.example, b).variance;
    return { grad: result.grad, loss: meanOf(result.loss), queries: result.queries, perExample: { loss: result.loss, spread } };
  }
}
