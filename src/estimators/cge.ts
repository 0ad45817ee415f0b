import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { stepKey } from '../objectives/directions.js';
import { fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, directionsFor, noAllocation } from './estimator.js';
import { meanOf } from './stats.js';

export interface CoordinateOptions {
  /** Coordinates per step; absent: all of them (the full finite-difference gradient). */
  readonly directions?: number;
  /** Most coordinates per engine call (each is two model copies). */
  readonly directionsPerCall: number;
  /** Most memory of perturbed copies per engine call, in MiB: bounds the copies per call further, down to one. */
  readonly copyMemory: number;
  readonly epsilon: number;
}

/**
 * Coordinate-wise gradient estimation (CGE): central differences along coordinate axes,
 * cᵢ = [L(θ + εeᵢ) − L(θ − εeᵢ)] / 2ε. With every coordinate (the default) this is the
 * full finite-difference gradient, 2P queries per example — for tiny models and black
 * boxes. With a budget of n < P coordinates per step, a fresh random subset S gives the
 * unbiased estimate (P/n) Σ_{i∈S} cᵢ eᵢ (randomised coordinate descent: Nesterov 2012;
 * for zeroth-order training, Lian et al. 2016). Masked coordinates are never drawn.
 * ε is the step actually applied: (fl(θᵢ + ε) − fl(θᵢ − ε)) / 2 per coordinate.
 */
export class CoordinateEstimator implements LossOnlyEstimator<EmptyState> {
  readonly name = 'cge';

  constructor(
    readonly oracle: LossOracle,
    private readonly options: CoordinateOptions & { readonly seed: Seed },
  ) {
    checkOptions('cge', cge.options, options);
  }

  init(): EmptyState {
    return emptyState();
  }

  /** This step's coordinates: all (unmasked) ones, or n drawn without replacement (partial Fisher–Yates). */
  private coordinates(request: EstimateRequest): { coordinates: Int32Array; active: number } {
    const { mask } = request;
    const all = Int32Array.from({ length: this.oracle.dimension }, (_, i) => i).filter((i) => mask === undefined || mask[i] !== 0);
    const n = Math.min(all.length, directionsFor(request, this.options.directions ?? all.length, 2));
    if (n >= all.length) return { coordinates: all, active: all.length };
    const u = new Float32Array(n);
    fillUniform(u, stepKey(this.options.seed, request.step));
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(u[i]! * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return { coordinates: all.subarray(0, n), active: all.length };
  }

  ask(_state: EmptyState, request: EstimateRequest): LossRequest {
    noAllocation(this.name, request);
    return {
      params: request.params,
      batch: request.batch,
      perturbation: { kind: 'coordinates', coordinates: this.coordinates(request).coordinates, epsilon: this.options.epsilon },
      directionsPerCall: this.options.directionsPerCall,
      copyBytes: this.options.copyMemory * 2 ** 20,
    };
  }

  tell(state: EmptyState, request: EstimateRequest, result: LossResult): Estimated<EmptyState> {
    const { coordinates, active } = this.coordinates(request);
    const n = coordinates.length;
    const b = request.batch.x.shape[0]!;
    const { losses } = result;
    if (losses.length !== 2 * n * b) throw new RangeError(`cge: ${losses.length} losses for ${n} coordinates × ${b} examples`);
    const theta = request.params;
    const moved = new Float32Array(2);
    const coefficients = new Float32Array(n);
    const grad = new Float32Array(theta.length);
    const loss = new Float32Array(b);
    for (let c = 0; c < n; c++) {
      const i = coordinates[c]!;
      moved[0] = theta[i]! + this.options.epsilon;
      moved[1] = theta[i]! - this.options.epsilon;
      const step = (moved[0]! - moved[1]!) / 2;
      if (step === 0) throw new RangeError(`epsilon ${this.options.epsilon} is below float32's spacing at θ[${i}] = ${theta[i]}: the coordinate does not move; use a larger epsilon`);
      let difference = 0;
      for (let j = 0; j < b; j++) {
        difference += losses[c * b + j]! - losses[(n + c) * b + j]!;
        loss[j]! += (losses[c * b + j]! + losses[(n + c) * b + j]!) / (2 * n);
      }
      coefficients[c] = difference / (2 * step * b);
      grad[i] = (active / n) * coefficients[c]!;
    }
    return {
      estimate: {
        grad,
        loss: meanOf(loss),
        queries: result.queries,
        perExample: { loss },
        samples: { kind: 'coordinates', coordinates: coordinates.slice(), coefficients, weight: new Float32Array(n).fill(active / n) },
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

export const cge = defineEstimator<CoordinateOptions>({
  name: 'cge',
  summary: 'coordinate-wise finite differences: every coordinate (the full gradient) or a random subset per step',
  paper: 'Nesterov 2012, "Efficiency of coordinate descent methods on huge-scale optimization problems"; Lian et al. 2016 (zeroth-order)',
  needs: 'losses',
  options: {
    directions: { type: 'integer', min: 1, help: 'coordinates per step (default: all of them)' },
    directionsPerCall: { type: 'integer', default: 64, min: 1, resumable: true, help: 'most coordinates per engine call (each is two model copies)' },
    copyMemory: { type: 'number', default: 64, above: 0, resumable: true, help: 'most memory of perturbed copies per engine call, MiB (fewer copies per call, down to one)' },
    epsilon: { type: 'number', default: 1e-3, above: 0, help: 'finite-difference step ε' },
  },
  defaultLearningRate: 1e-3,
  cost: (o, batch, parameters) => 2 * Math.min(o.directions ?? parameters, parameters) * batch,
  create: (context, options) => {
    if (context.oracle === undefined) throw new TypeError('cge needs a loss oracle');
    return new CoordinateEstimator(context.oracle, { ...options, seed: context.seed });
  },
});
