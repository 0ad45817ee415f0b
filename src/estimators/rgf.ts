import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { stepKey } from '../objectives/directions.js';
import type { Seed } from '../rng/stream.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { rgfDirections } from '../surrogate/random-directions.js';
import { type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, directionsFor, noAllocation } from './estimator.js';
import { appliedStep, freeCoordinates, offsetRequest, pointSamples, scatter } from './point-queries.js';
import { meanOf } from './stats.js';

export interface RgfOptions {
  /** Orthonormal directions q per step (a query budget overrides it); at most the free parameters. */
  readonly directions: number;
  /** Finite-difference step μ along each unit direction. */
  readonly epsilon: number;
}

/**
 * Random gradient-free estimation with orthonormal directions (RGF: Nesterov & Spokoiny 2017;
 * the orthogonalised form of Cheng et al., NeurIPS 2019, the baseline of ZoRD and FZooS):
 * q standard Gaussian vectors from (seed, step), orthonormalised (rgfDirections), forward
 * differences Dₖ = [L(θ + μuₖ) − L(θ)] / μ, and ĝ = (1/q) Σₖ Dₖ uₖ, the mean over directions
 * of ZoRD's and FZooS's code. For orthonormal directions that estimates (q/P)∇L in
 * expectation: Adam does not mind the scale; with SGD multiply the learning rate by P/q.
 * μ is the step actually applied (θ + μuₖ rounded to float32, see appliedStep). A mask
 * confines the directions to the free entries. 1 + q queries per example (q is capped at the
 * free entries: beyond P directions there are no more orthonormal ones).
 */
export class RandomGradientFree implements LossOnlyEstimator<EmptyState> {
  readonly name = 'rgf';

  constructor(
    readonly oracle: LossOracle,
    private readonly options: RgfOptions & { readonly seed: Seed },
  ) {}

  init(): EmptyState {
    return emptyState();
  }

  /** This step's unit directions over θ (zero on masked entries). */
  private directions(request: EstimateRequest): Float64Array[] {
    noAllocation(this.name, request);
    const size = request.params.length;
    const free = freeCoordinates(size, request.mask);
    // At most P orthonormal directions exist.
    const q = Math.min(directionsFor(request, this.options.directions, 1, 1), free.length);
    if (q < 1) throw new RangeError('rgf: the mask leaves no parameter free');
    return rgfDirections(free.length, q, stepKey(this.options.seed, request.step)).map((u) => scatter(u, free, size));
  }

  ask(_state: EmptyState, request: EstimateRequest): LossRequest {
    const { epsilon } = this.options;
    return offsetRequest(request, [new Float64Array(request.params.length), ...this.directions(request).map((u) => u.map((v) => epsilon * v))]);
  }

  tell(state: EmptyState, request: EstimateRequest, result: LossResult): Estimated<EmptyState> {
    const asked = this.ask(state, request);
    const samples = pointSamples(asked, result);
    const directions = this.directions(request);
    const size = request.params.length;
    const b = request.batch.x.shape[0]!;
    const offsets = asked.perturbation.kind === 'offsets' ? asked.perturbation.offsets : new Float32Array(0);
    const grad = new Float64Array(size);
    directions.forEach((u, k) => {
      const step = appliedStep(request.params, offsets.subarray((k + 1) * size, (k + 2) * size), u, this.name);
      const c = (samples.losses[k + 1]! - samples.losses[0]!) / step / directions.length;
      for (let i = 0; i < size; i++) grad[i] += c * u[i]!;
    });
    const loss = result.losses.slice(0, b);
    return { estimate: { grad: Float32Array.from(grad), loss: meanOf(loss), queries: result.queries, perExample: { loss }, samples }, state };
  }

  estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    return askAndTell(this, state, request);
  }

  /** Holds nothing itself; the oracle belongs to whoever made it. */
  async dispose(): Promise<void> {}
}

export const rgf = defineEstimator<RgfOptions>({
  name: 'rgf',
  summary: 'random gradient-free: forward differences along q orthonormalised Gaussian directions (losses only)',
  paper: 'Nesterov & Spokoiny 2017, "Random gradient-free minimization of convex functions"; Cheng et al. 2019 (orthogonalised), the baseline of ZoRD (ICLR 2023) and FZooS',
  needs: 'losses',
  options: {
    directions: { type: 'integer', default: 10, min: 1, help: 'orthonormal directions per step, q (ZoRD 10, FZooS 20)' },
    epsilon: { type: 'number', default: 0.01, above: 0, help: 'finite-difference step μ along each unit direction' },
  },
  defaultLearningRate: 3e-3,
  cost: (o, batch, parameters) => (1 + Math.min(o.directions, parameters)) * batch,
  create: (context, options) => {
    if (context.oracle === undefined) throw new TypeError('rgf needs a loss oracle');
    return new RandomGradientFree(context.oracle, { ...options, seed: context.seed });
  },
});
