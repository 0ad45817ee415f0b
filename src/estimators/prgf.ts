import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { stepKey } from '../objectives/directions.js';
import type { Seed } from '../rng/stream.js';
import { estimatePriorCosine, prgfDirections, prgfSamplingWeight, rgfDirections } from '../surrogate/random-directions.js';
import { type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, directionsFor, noAllocation } from './estimator.js';
import { appliedStep, freeCoordinates, offsetRequest, pointSamples, scatter } from './point-queries.js';
import { allFinite } from '../rng/index.js';
import { meanOf } from './stats.js';

export interface PrgfOptions {
  /** Random directions q per step besides the prior (a query budget overrides it). */
  readonly directions: number;
  /** Finite-difference step μ along each unit direction. */
  readonly epsilon: number;
}

/** The previous step's estimate, the prior of this one (all zeros before the first step: no prior). */
export type PrgfState = { readonly prior: Float32Array };

/**
 * Prior-guided random gradient-free estimation with biased sampling (PRGF-BS: Cheng, Dong,
 * Pang, Su & Zhu, "Improving black-box adversarial attacks with a transfer-based prior",
 * NeurIPS 2019, §3), the prior being the previous step's estimate (as ZoRD's baseline).
 * Directions uᵢ = √λ v̂ + √(1 − λ) ξᵢ, v̂ the unit prior and ξ₁..ξ_q orthonormal to it; the
 * estimate is ĝ = (1/q) Σᵢ Dᵢ uᵢ with Dᵢ the forward difference along uᵢ, and λ = λ*(α) the
 * optimal weight for the cosine α between the prior and the gradient (prgfSamplingWeight).
 *
 * One round of queries instead of Cheng et al.'s two: since derivatives are linear in the
 * direction, the step queries v̂ and the ξᵢ themselves (2 + q queries with the θ itself),
 * estimates ‖∇L‖² ≈ D_v² + ((P − 1)/q) Σ D_ξᵢ² and α = D_v/‖∇L‖ from them (the ξᵢ serve as
 * Cheng et al.'s norm probes), and forms Dᵢ = √λ D_v + √(1 − λ) D_ξᵢ with the λ* of this step's
 * α. At λ* = 1 the estimate is D_v v̂, as the authors' shortcut. Without a prior (the first
 * step, or a zero estimate) the step is RGF: 1 + q queries. Beside a prior at most P − 1
 * directions fit (q is capped there). This arrangement is reconstructed,
 * not the authors' code. Mean over directions, like rgf: the scale is about q/P of ∇L.
 */
export class PriorGuidedRandomGradientFree implements LossOnlyEstimator<PrgfState> {
  readonly name = 'prgf';

  constructor(
    readonly oracle: LossOracle,
    private readonly options: PrgfOptions & { readonly seed: Seed },
  ) {}

  init(params: Float32Array): PrgfState {
    return { prior: new Float32Array(params.length) };
  }

  /** The prior over the free entries (null when it is zero) and this step's unit directions: [v̂, ξ₁..ξ_q] or, without a prior, [u₁..u_q]. */
  private directions(state: PrgfState, request: EstimateRequest): { prior: Float64Array | null; directions: Float64Array[] } {
    noAllocation(this.name, request);
    const size = request.params.length;
    if (state.prior.length !== size) throw new RangeError(`prgf: the state's prior has length ${state.prior.length}, θ ${size}`);
    const free = freeCoordinates(size, request.mask);
    const prior = Float64Array.from(free, (i) => state.prior[i]!);
    const hasPrior = prior.some((v) => v !== 0);
    // Beside a prior there is room for P − 1 orthonormal directions.
    const q = Math.min(directionsFor(request, this.options.directions, 1, hasPrior ? 2 : 1), free.length - (hasPrior ? 1 : 0));
    if (q < 1) throw new RangeError(`prgf needs at least ${hasPrior ? 2 : 1} free parameters, θ has ${free.length}`);
    const key = stepKey(this.options.seed, request.step);
    if (!hasPrior) return { prior: null, directions: rgfDirections(free.length, q, key).map((u) => scatter(u, free, size)) };
    const norm = Math.sqrt(prior.reduce((s, v) => s + v * v, 0));
    const unit = prior.map((v) => v / norm);
    return { prior: scatter(unit, free, size), directions: [unit, ...prgfDirections(free.length, q, key, prior, 0)].map((u) => scatter(u, free, size)) };
  }

  ask(state: PrgfState, request: EstimateRequest): LossRequest {
    const { epsilon } = this.options;
    return offsetRequest(request, [new Float64Array(request.params.length), ...this.directions(state, request).directions.map((u) => u.map((v) => epsilon * v))]);
  }

  tell(state: PrgfState, request: EstimateRequest, result: LossResult): Estimated<PrgfState> {
    const asked = this.ask(state, request);
    const samples = pointSamples(asked, result);
    const { prior, directions } = this.directions(state, request);
    const size = request.params.length;
    const free = freeCoordinates(size, request.mask).length;
    const offsets = asked.perturbation.kind === 'offsets' ? asked.perturbation.offsets : new Float32Array(0);
    const derivatives = directions.map((u, k) => (samples.losses[k + 1]! - samples.losses[0]!) / appliedStep(request.params, offsets.subarray((k + 1) * size, (k + 2) * size), u, this.name));
    const grad = new Float64Array(size);
    const add = (u: Float64Array, c: number) => {
      for (let i = 0; i < size; i++) grad[i] += c * u[i]!;
    };
    if (prior === null) {
      directions.forEach((u, k) => add(u, derivatives[k]! / directions.length));
    } else {
      const [dv, ...dxi] = derivatives as [number, ...number[]];
      const q = dxi.length;
      const normSquared = dv * dv + ((free - 1) / q) * dxi.reduce((s, d) => s + d * d, 0);
      const lambda = prgfSamplingWeight(estimatePriorCosine(dv, normSquared), free, q);
      const a = Math.sqrt(lambda);
      const b = Math.sqrt(1 - lambda);
      // ĝ = (1/q) Σᵢ (a D_v + b D_ξᵢ)(a v̂ + b ξᵢ), expanded over v̂ and the ξᵢ.
      add(prior, (a / q) * dxi.reduce((s, d) => s + a * dv + b * d, 0));
      dxi.forEach((d, i) => add(directions[i + 1]!, (b / q) * (a * dv + b * d)));
    }
    const estimate = Float32Array.from(grad);
    const loss = result.losses.slice(0, request.batch.x.shape[0]!);
    return { estimate: { grad: estimate, loss: meanOf(loss), queries: result.queries, perExample: { loss }, samples }, state: { prior: allFinite(estimate) ? estimate.slice() : state.prior } };
  }

  estimate(state: PrgfState, request: EstimateRequest): Promise<Estimated<PrgfState>> {
    return askAndTell(this, state, request);
  }

  /** Holds nothing itself; the oracle belongs to whoever made it. */
  async dispose(): Promise<void> {}
}

export const prgf = defineEstimator<PrgfOptions>({
  name: 'prgf',
  summary: 'prior-guided random gradient-free (PRGF-BS): the previous estimate as a prior, weighted by its estimated cosine (losses only)',
  paper: 'Cheng, Dong, Pang, Su & Zhu 2019, "Improving black-box adversarial attacks with a transfer-based prior" (NeurIPS), §3; a baseline of ZoRD (ICLR 2023)',
  needs: 'losses',
  options: {
    directions: { type: 'integer', default: 10, min: 1, help: 'random directions per step besides the prior, q' },
    epsilon: { type: 'number', default: 0.01, above: 0, help: 'finite-difference step μ along each unit direction' },
  },
  defaultLearningRate: 3e-3,
  // 1 + q on the first step, before a prior exists; q is capped at P − 1 beside the prior.
  cost: (o, batch, parameters) => (2 + Math.min(o.directions, parameters - 1)) * batch,
  variableCost: true,
  create: (context, options) => {
    if (context.oracle === undefined) throw new TypeError('prgf needs a loss oracle');
    return new PriorGuidedRandomGradientFree(context.oracle, { ...options, seed: context.seed });
  },
});
