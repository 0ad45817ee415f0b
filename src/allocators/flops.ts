import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { fillGaussian } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type AllocationFeedback, type AllocationRequest, type Allocator, type Statistics, roundAllocation } from './allocator.js';
import { type RunningStats, initStats, lossOf, observeStats, sigmaOfBatch } from './running-stats.js';

/**
 * φ = [a, b, log λ, log s] (float32, so checkpoints restore them exactly), the running
 * statistics (the losses of `statistics: 'running'`) and the number of allocations made,
 * which addresses each allocation's noise.
 */
export type GaussianState = { readonly theta: Float32Array; readonly stats: RunningStats; readonly draws: number };

export interface GaussianAllocatorOptions {
  /** Root of the allocation noise. */
  readonly seed?: Seed;
  /** 'fresh' (default): losses from a pilot query per example at this step's θ; 'running': the examples' running losses. */
  readonly statistics?: Statistics;
  /** Length of each normalised gradient step on φ. */
  readonly learningRate?: number;
  /** Allocations drawn per step for the likelihood-ratio gradient. */
  readonly samples?: number;
}

/** Start: mean 1 for every example (b = 0), kernel length 1 loss unit, scale 0.1: nearly uniform. */
const INITIAL = [1, 0, 0, Math.log(0.1)];
/** Independent part of the covariance, as a fraction of s²: keeps Σ positive definite when losses tie. */
const NUGGET = 0.05;

/**
 * The FLOPS allocator (Ren et al. 2025), reconstructed: a Gaussian allocator with four
 * parameters trained by likelihood ratio (see docs/methods/allocation.md for which parts
 * are the paper's and which are ours). Each step, the batch's losses ℓ (fresh from a pilot
 * query per example, by default) give a Gaussian over allocation weights x ~ N(μ, Σ) with
 * mean linear in the losses, μᵢ = a + b·ℓᵢ, and an RBF kernel over the losses as
 * covariance, Σᵢⱼ = s²(exp(−(ℓᵢ − ℓⱼ)²/2λ²) + 0.05·δᵢⱼ), as in the authors' public
 * `gaussian_allocater`; the queries are max(x, 0) rounded to the exact budget with the
 * minimum for everyone. After the step, φ = (a, b, log λ, log s) takes a normalised
 * gradient step on the proxy V(n) = Σᵢ σ̂ᵢ²/nᵢ — the batch estimate's variance at the
 * fixed budget, with σ̂ᵢ² the variances the step observed — by the score-function
 * (likelihood-ratio) gradient E[(V − V̄) ∇_φ log N(x; μ, Σ)] over allocations drawn
 * from the same Gaussian. The allocation depends only on the losses and its own noise,
 * never on the estimate's, so the estimate stays unbiased.
 */
export class GaussianAllocator implements Allocator<GaussianState> {
  readonly name = 'flops';
  readonly pilot?: 'loss';
  private readonly seed: Seed;
  private readonly learningRate: number;
  private readonly samples: number;

  constructor({ seed = 0, statistics = 'fresh', learningRate = 0.05, samples = 32 }: GaussianAllocatorOptions = {}) {
    if (!(learningRate > 0)) throw new RangeError(`learningRate must be positive, got ${learningRate}`);
    if (!Number.isSafeInteger(samples) || samples < 2) throw new RangeError(`samples must be an integer ≥ 2, got ${samples}`);
    this.seed = seed;
    this.learningRate = learningRate;
    this.samples = samples;
    if (statistics === 'fresh') this.pilot = 'loss';
  }

  init(examples: number): GaussianState {
    return { theta: Float32Array.from(INITIAL), stats: initStats(examples), draws: 0 };
  }

  allocate(state: GaussianState, { examples, budget, minimum, unit = 1, fresh }: AllocationRequest): Int32Array {
    const gaussian = this.gaussian(state.theta, fresh?.loss ?? lossOf(state.stats, examples));
    const [x] = gaussian.draw(deriveSeed(this.seed, state.draws, 0), 1);
    return roundAllocation(x!.map((v) => Math.max(v, 0)), budget, minimum, unit);
  }

  observe(state: GaussianState, feedback: AllocationFeedback): GaussianState {
    const next = { ...state, stats: observeStats(state.stats, feedback), draws: state.draws + 1 };
    // Examples with one query have no variance of their own: they take the mean of the others'.
    if (!feedback.variance.some(Number.isFinite)) return next;
    const sigma2 = sigmaOfBatch(feedback.variance).map((s) => s * s);
    const budget = feedback.queries.reduce((a, n) => a + n, 0);
    const { minimum = 1, unit = 1 } = feedback;
    const gaussian = this.gaussian(state.theta, feedback.fresh?.loss ?? lossOf(state.stats, feedback.examples));
    const draws = gaussian.draw(deriveSeed(this.seed, state.draws, 1), this.samples);
    const proxy = draws.map((x) => {
      const n = roundAllocation(x.map((v) => Math.max(v, 0)), budget, minimum, unit);
      return sigma2.reduce((total, s2, i) => total + s2 / n[i]!, 0);
    });
    const mean = proxy.reduce((a, v) => a + v, 0) / proxy.length;
    const grad = new Float64Array(4);
    draws.forEach((x, m) => {
      // (V − V̄)/V̄: the baseline and the scale make the step independent of the variances' units.
      const weight = (proxy[m]! - mean) / mean / draws.length;
      gaussian.score(x).forEach((g, k) => (grad[k]! += weight * g));
    });
    const norm = Math.hypot(...grad);
    if (!(norm > 0)) return next;
    return { ...next, theta: Float32Array.from(state.theta, (p, k) => p - (this.learningRate * grad[k]!) / norm) };
  }

  private gaussian(theta: Float32Array, loss: ArrayLike<number>): AllocationGaussian {
    return new AllocationGaussian(Array.from(theta), Float64Array.from(loss));
  }
}

/** N(μ, Σ) of one batch's allocation weights under φ = [a, b, log λ, log s] and losses ℓ: draws and the score function. */
export class AllocationGaussian {
  private readonly mean: Float64Array;
  private readonly kernel: Matrix;
  private readonly cholesky: CholeskyDecomposition;
  private readonly inverse: Matrix;
  private readonly lengthSquared: number;
  private readonly scaleSquared: number;

  constructor(
    phi: readonly number[],
    private readonly loss: Float64Array,
  ) {
    const [a, b, logLength, logScale] = phi as [number, number, number, number];
    const n = loss.length;
    this.lengthSquared = Math.exp(2 * logLength);
    this.scaleSquared = Math.exp(2 * logScale);
    this.mean = loss.map((l) => a + b * l);
    this.kernel = Matrix.from1DArray(n, n, Float64Array.from({ length: n * n }, (_, k) => Math.exp(-((loss[Math.floor(k / n)]! - loss[k % n]!) ** 2) / (2 * this.lengthSquared))));
    const covariance = this.kernel.clone().add(Matrix.eye(n, n, NUGGET)).mul(this.scaleSquared);
    this.cholesky = new CholeskyDecomposition(covariance);
    this.inverse = this.cholesky.solve(Matrix.eye(n, n));
  }

  /** `count` draws x = μ + L z, z from the Gaussian stream `key`. */
  draw(key: Seed, count: number): Float64Array[] {
    const n = this.mean.length;
    const z = new Float32Array(count * n);
    fillGaussian(z, key);
    const lower = this.cholesky.lowerTriangularMatrix;
    return Array.from({ length: count }, (_, m) => {
      const x = Float64Array.from(this.mean);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) x[i]! += lower.get(i, j) * z[m * n + j]!;
      return x;
    });
  }

  /**
   * ∇_φ log N(x; μ, Σ). With r = x − μ and α = Σ⁻¹r: ∂/∂a = Σᵢ αᵢ, ∂/∂b = Σᵢ αᵢℓᵢ, and for a
   * covariance parameter ½ tr((ααᵀ − Σ⁻¹) ∂Σ): ∂Σ/∂log s = 2Σ gives rᵀα − n, and
   * ∂Σ/∂log λ = s² K ⊙ D, Dᵢⱼ = (ℓᵢ − ℓⱼ)²/λ², gives ½ Σᵢⱼ (αᵢαⱼ − Σ⁻¹ᵢⱼ) s² Kᵢⱼ Dᵢⱼ.
   */
  score(x: Float64Array): [number, number, number, number] {
    const n = x.length;
    const r = x.map((v, i) => v - this.mean[i]!);
    const alpha = Float64Array.from({ length: n }, (_, i) => r.reduce((s, rj, j) => s + this.inverse.get(i, j) * rj, 0));
    let dLength = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d = (this.loss[i]! - this.loss[j]!) ** 2 / this.lengthSquared;
        dLength += 0.5 * (alpha[i]! * alpha[j]! - this.inverse.get(i, j)) * this.scaleSquared * this.kernel.get(i, j) * d;
      }
    }
    const dScale = r.reduce((s, ri, i) => s + ri * alpha[i]!, 0) - n;
    return [alpha.reduce((s, v) => s + v, 0), alpha.reduce((s, v, i) => s + v * this.loss[i]!, 0), dLength, dScale];
  }
}
