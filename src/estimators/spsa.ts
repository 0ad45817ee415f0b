import type { LossOracle, LossRequest, LossResult, Scheme } from '../objectives/loss-oracle.js';
import { type DirectionSet, type Distribution, appliedFractions, directionSum, stepKey } from '../objectives/directions.js';
import { readChunks } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type DirectionSamples, type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, directionsFor } from './estimator.js';
import { gridSlots } from './rows.js';
import { meanOf, perExample } from './stats.js';

export interface SpsaOptions {
  /** Directions K per step (a query budget overrides it). */
  readonly directions: number;
  /** Most directions evaluated in one engine call: fewer hold fewer copies (1 is MeZO's inference-level memory). */
  readonly directionsPerCall: number;
  /** Most memory of perturbed copies per engine call, in MiB: bounds the copies per call further, down to one. */
  readonly copyMemory: number;
  /** Perturbation size ε. */
  readonly epsilon: number;
  readonly noise: Distribution;
  readonly scheme: Scheme;
}

/**
 * SPSA (Spall 1992) and MeZO (Malladi et al. 2023): weight perturbation along K random
 * directions zₖ, ĝ = Σₖ (Σⱼ wₖⱼ cₖⱼ) zₖ with, per example,
 *   central: cₖ = [ℓ(θ + εzₖ) − ℓ(θ − εzₖ)] / 2ε      (2K queries per example)
 *   forward: cₖ = [ℓ(θ + εzₖ) − ℓ(θ)] / ε             (K + 1 queries per example)
 * and weights 1/(K·B) (or 1/(B·nᵢ) for allocated queries). Unbiased for the gradient up
 * to O(ε²) when E[z zᵀ] = I: Rademacher (±1, Spall's choice and the cheapest to draw) or
 * Gaussian (MeZO). Directions are regenerated from (seed, step), never stored. ε is the
 * perturbation actually applied: θ ± εz rounded to float32 moves θ by a little more or
 * less than εz, so each direction's coefficient divides by the step projected on zₖ —
 * and a step that cannot move θ at all is refused instead of yielding a zero gradient.
 * Loss-only: it runs on any loss oracle, a compiled model or a black box.
 */
export class Spsa implements LossOnlyEstimator<EmptyState> {
  readonly name = 'spsa';

  constructor(
    readonly oracle: LossOracle,
    private readonly options: SpsaOptions & { readonly seed: Seed },
  ) {
    checkOptions('spsa', spsa.options, options);
  }

  init(): EmptyState {
    return emptyState();
  }

  /**
   * With an allocation (central differences), example i is evaluated under nᵢ/2
   * directions: a query is one ±εz evaluation of one example, so nᵢ must be even.
   */
  private layout(request: EstimateRequest): { k: number; m: number; example: Int32Array; weight: Float32Array; gridded: boolean } {
    const central = this.options.scheme === 'central';
    const b = request.batch.x.shape[0]!;
    const { allocation } = request;
    if (allocation) {
      if (!central) throw new RangeError('spsa takes an allocation with central differences only (each query is one of a ± pair)');
      if (allocation.length !== b) throw new RangeError(`allocation has ${allocation.length} entries for a batch of ${b}`);
      if (allocation.some((n) => n % 2 !== 0 || n < 2)) throw new RangeError('spsa takes queries in ± pairs: every example needs an even number, at least 2');
      return { ...gridSlots(allocation.map((n) => n / 2)), gridded: true };
    }
    const k = directionsFor(request, this.options.directions, central ? 2 : 1, central ? 0 : 1);
    const example = Int32Array.from({ length: k * b }, (_, j) => j % b);
    return { k, m: b, example, weight: new Float32Array(k * b).fill(1 / (k * b)), gridded: false };
  }

  ask(_state: EmptyState, request: EstimateRequest): LossRequest {
    const { k, m, example, gridded } = this.layout(request);
    const { epsilon, noise, scheme, directionsPerCall, copyMemory } = this.options;
    return {
      params: request.params,
      batch: request.batch,
      perturbation: { kind: 'noise', key: stepKey(this.options.seed, request.step), distribution: noise, epsilon, scheme, first: 0, count: k, ...(request.mask && { mask: request.mask }) },
      ...(gridded && { slots: { m, example } }),
      directionsPerCall,
      copyBytes: copyMemory * 2 ** 20,
    };
  }

  tell(state: EmptyState, request: EstimateRequest, result: LossResult): Estimated<EmptyState> {
    const { k, m, example, weight } = this.layout(request);
    const { epsilon, noise, scheme } = this.options;
    const central = scheme === 'central';
    const theta = request.params;
    const b = request.batch.x.shape[0]!;
    const { losses } = result;
    if (losses.length !== (central ? 2 * k * m : (k + 1) * m)) throw new RangeError(`spsa: ${losses.length} losses for ${k} directions × ${m} slots (${scheme})`);
    const key = stepKey(this.options.seed, request.step);
    const directions: DirectionSet = { key, distribution: noise, epsilon, first: 0, count: k, ...(request.mask && { mask: request.mask }) };
    if (result.applied !== undefined && result.applied.length !== k) throw new RangeError(`spsa: ${result.applied.length} applied steps for ${k} directions`);
    const applied = result.applied ?? appliedFractions(theta, directions, scheme);
    const coefficients = new Float32Array(k * m);
    const slotLoss = new Float32Array(k * m);
    const weights = new Float64Array(k);
    let worst = 0;
    for (let d = 0; d < k; d++) {
      if (applied[d] === 0) throw new RangeError(`epsilon ${epsilon} is below float32's spacing at θ's magnitude: θ ± εz does not move θ along direction ${d}; use a larger epsilon (float32 resolves about 1e-7 × |θ|)`);
      worst = Math.max(worst, Math.abs(applied[d]! - 1));
      for (let j = 0; j < m; j++) {
        const s = d * m + j;
        const difference = central ? losses[s]! - losses[k * m + s]! : losses[(d + 1) * m + j]! - losses[j]!;
        coefficients[s] = difference / ((central ? 2 : 1) * applied[d]! * epsilon);
        slotLoss[s] = central ? (losses[s]! + losses[k * m + s]!) / 2 : losses[j]!;
      }
      weights[d] = directionWeight(coefficients, weight, d, m);
    }
    // Σₖ aₖ zₖ, regenerated a chunk at a time: handed over as chunks to a fused update, or written out.
    const gradient = directionSum(directions, weights, theta.length);
    const samples: DirectionSamples = { kind: 'directions', key, distribution: noise, epsilon, ...(request.mask && { mask: request.mask }), k, m, coefficients, weight, example };
    const loss = perExample(slotLoss, example, b).mean;
    return {
      estimate: {
        ...(request.streamGradient ? { gradientSource: gradient } : { grad: readChunks(gradient) }),
        loss: meanOf(loss),
        queries: result.queries,
        perExample: { loss, variance: perExample(coefficients, example, b).variance },
        samples,
        ...(worst > 0.01 && { warnings: [`epsilon ${epsilon} is close to float32's spacing at θ's magnitude: the applied steps differ from it by up to ${(100 * worst).toFixed(1)}% (divided out; a larger epsilon is more accurate)`] }),
      },
      state,
    };
  }

  estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    return askAndTell(this, state, request);
  }

  /** Holds nothing itself; the oracle belongs to whoever made it. */
  async dispose(): Promise<void> {}
}

/** Σⱼ wₖⱼ cₖⱼ: direction k's weight in the estimate. */
function directionWeight(coefficients: Float32Array, weight: Float32Array, d: number, m: number): number {
  let a = 0;
  for (let j = 0; j < m; j++) a += weight[d * m + j]! * coefficients[d * m + j]!;
  return a;
}

/**
 * ĝ = Σₖ (Σⱼ wₖⱼ cₖⱼ) zₖ from direction samples alone, bit for bit what the estimate
 * was: each εzₖ is regenerated from the key (masked) a chunk at a time, so memory stays at
 * one chunk of each beside the result.
 */
export function combineDirections(samples: DirectionSamples, size: number): Float32Array {
  const { key, distribution, mask, k, m, coefficients, weight, epsilon } = samples;
  const weights = Float64Array.from({ length: k }, (_, d) => directionWeight(coefficients, weight, d, m));
  return readChunks(directionSum({ key, distribution, epsilon, first: 0, count: k, ...(mask && { mask }) }, weights, size));
}

export const spsa = defineEstimator<SpsaOptions>({
  name: 'spsa',
  summary: 'SPSA / MeZO: loss differences along K random directions (losses only: works on black boxes)',
  paper: 'Spall 1992, "Multivariate stochastic approximation using a simultaneous perturbation gradient approximation"; Malladi et al. 2023 (MeZO)',
  needs: 'losses',
  options: {
    directions: { type: 'integer', default: 16, min: 1, help: 'directions (perturbations) per step, K' },
    directionsPerCall: { type: 'integer', default: 4, min: 1, resumable: true, help: 'most directions per engine call (fewer: less memory; 1 is MeZO)' },
    copyMemory: { type: 'number', default: 64, above: 0, resumable: true, help: 'most memory of perturbed copies per engine call, MiB (fewer copies per call, down to one)' },
    epsilon: { type: 'number', default: 1e-3, above: 0, help: 'finite-difference step ε' },
    noise: { type: 'string', default: 'rademacher', choices: ['rademacher', 'gaussian'], help: 'direction distribution (both have E[zzᵀ] = I)' },
    scheme: { type: 'string', default: 'central', choices: ['central', 'forward'], help: 'two-point central or one-point forward differences' },
  },
  defaultLearningRate: 3e-3,
  // MeZO's optimiser: no state beside θ. On the MNIST MLP it matches Adam at 3e-3 (docs/benchmarks.md); 1e-2 diverges.
  defaultOptimizer: { name: 'sgd', lr: 5e-3 },
  allocation: { unit: 2, queriesPerExample: 8 },
  cost: (o, batch) => (o.scheme === 'central' ? 2 * o.directions : o.directions + 1) * batch,
  create: (context, options) => {
    if (context.oracle === undefined) throw new TypeError('spsa needs a loss oracle');
    return new Spsa(context.oracle, { ...options, seed: context.seed });
  },
});
