import type { CholeskyDecomposition } from 'ml-matrix';
import { checkChoice, checkValues, checkVector, flattenPoints, nonNegative, positive } from './check.js';
import { type WarningHandler, choleskyInverse, choleskySolve, choleskyWithJitter, squareMatrix } from './cholesky.js';
import { KERNEL_NAMES, type KernelName, type KernelProfile, kernelProfile, scaledSquaredDistance } from './kernels.js';
import { type Affine, type TargetScaling, applyAffine, targetAffine } from './target-scaling.js';

/** Kernel hyperparameters; variances are in units of the scaled targets (see TargetScaling). */
export interface GpHyperparameters {
  /** One lengthscale for every input (length 1) or one per input (length d, ARD), in input units. */
  readonly lengthscales: Float64Array;
  /** σ_f²: the prior variance of the scaled targets. */
  readonly signalVariance: number;
  /** σ_n²: observation noise variance added to the kernel's diagonal (sklearn's `alpha`). */
  readonly noiseVariance: number;
}

export interface GaussianProcessOptions {
  /** Default 'matern52' (ZoRD's and FZooS's choice). */
  readonly kernel?: KernelName;
  readonly hyperparameters: GpHyperparameters;
  /** Default 'standardize'. */
  readonly targetScaling?: TargetScaling;
  /** Receives the jitter warning; null silences it. Default console.warn. */
  readonly onWarning?: WarningHandler | null;
}

/** Points and scaled targets, flattened (row-major n×d). */
export interface GpData {
  readonly points: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly targets: Float64Array;
}

/** The factored kernel matrix K + (σ_n² + jitter) I and the quantities both the posterior and the likelihood use. */
export interface KernelFactor {
  readonly cholesky: CholeskyDecomposition;
  readonly jitter: number;
  /** Scaled squared distances s_ab, row-major n×n. */
  readonly distances: Float64Array;
  /** α = (K + σ_n² I)⁻¹ ỹ. */
  readonly alpha: Float64Array;
  /** log p(ỹ | X, θ) = −½ ỹᵀα − Σ_j log L_jj − (n/2) log 2π. */
  readonly logMarginalLikelihood: number;
}

/** 1 / l_i² for each of the d inputs, from one shared or d per-input lengthscales. */
export function inverseSquaredLengthscales(lengthscales: Float64Array, d: number): Float64Array {
  if (lengthscales.length !== 1 && lengthscales.length !== d) {
    throw new RangeError(`hyperparameters.lengthscales must have length 1 (shared) or ${d} (one per input), got ${lengthscales.length}`);
  }
  return Float64Array.from({ length: d }, (_, i) => 1 / lengthscales[lengthscales.length === 1 ? 0 : i]! ** 2);
}

export function checkHyperparameters(h: GpHyperparameters, d: number): GpHyperparameters {
  if (h === null || typeof h !== 'object') throw new TypeError('hyperparameters must be an object');
  checkVector('hyperparameters.lengthscales', h.lengthscales).forEach((l, i) => positive(`hyperparameters.lengthscales[${i}]`, l));
  inverseSquaredLengthscales(h.lengthscales, d);
  positive('hyperparameters.signalVariance', h.signalVariance);
  nonNegative('hyperparameters.noiseVariance', h.noiseVariance);
  return h;
}

/** Factors K + σ_n² I for the data (adding jitter when singular, see choleskyWithJitter). */
export function factorKernel(data: GpData, profile: KernelProfile, h: GpHyperparameters, onWarning: WarningHandler | null): KernelFactor {
  const { points, n, d, targets } = data;
  const inverse = inverseSquaredLengthscales(h.lengthscales, d);
  const distances = new Float64Array(n * n);
  const k = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    k[a * n + a] = h.signalVariance + h.noiseVariance;
    for (let b = 0; b < a; b++) {
      const s = scaledSquaredDistance(points, a * d, points, b * d, inverse);
      distances[a * n + b] = distances[b * n + a] = s;
      k[a * n + b] = k[b * n + a] = h.signalVariance * profile.value(s);
    }
  }
  const { decomposition: cholesky, jitter } = choleskyWithJitter(squareMatrix(k, n), 'kernel matrix', onWarning);
  const alpha = choleskySolve(cholesky, targets);
  const l = cholesky.lowerTriangularMatrix;
  let value = -0.5 * n * Math.log(2 * Math.PI);
  for (let a = 0; a < n; a++) value -= 0.5 * targets[a]! * alpha[a]! + Math.log(l.get(a, a));
  return { cholesky, jitter, distances, alpha, logMarginalLikelihood: value };
}

/**
 * Gaussian-process regression (Rasmussen & Williams 2006, ch. 2) with the posterior of the
 * gradient, the surrogate of ZoRD (Shu et al., ICLR 2023, §3) and of FZooS's clients (Shu et al.
 * 2023, §4.1). With ỹ the scaled targets, k(x) = [k(x, x_a)]_a and K = k(X, X) + σ_n² I:
 *   mean        μ(x)  = offset + scale · k(x)ᵀ K⁻¹ ỹ
 *   gradient    ∇μ(x) = scale · ∂k(x)ᵀ K⁻¹ ỹ                       (∂k(x): n×d, ∂k_ai = ∂k(x, x_a)/∂x_i)
 *   gradient variance, for every input i (the derived GP's covariance diagonal):
 *               scale² · (∂x_i∂x'_i k(x, x) − ∂_i k(x)ᵀ K⁻¹ ∂_i k(x))
 * All values are in the caller's units (targets unscaled). The constructor conditions on the
 * data with fixed hyperparameters; fitGaussianProcess chooses them by maximum likelihood.
 * Throws TypeError/RangeError for malformed points, values or options, Error if the kernel
 * matrix cannot be factored even with jitter.
 */
export class GaussianProcess {
  readonly kernel: KernelName;
  readonly hyperparameters: GpHyperparameters;
  /** Input dimension d and number of conditioning points n. */
  readonly d: number;
  readonly n: number;
  /** The targets' affine map: ỹ = (y − offset) / scale. */
  readonly targetAffine: Affine;
  /** Jitter added to K's diagonal (0 unless K was singular or ill conditioned). */
  readonly jitter: number;
  /** log p(ỹ | X, θ) of the scaled targets. */
  readonly logMarginalLikelihood: number;
  private readonly profile: KernelProfile;
  private readonly points: Float64Array;
  private readonly alpha: Float64Array;
  private readonly kernelInverse: Float64Array;
  private readonly inverseSquared: Float64Array;
  private readonly priorGradient: Float64Array;
  private gram?: { center: Float64Array; centered: Float64Array; gram: Float64Array };

  /** points: n ≥ 1 points of dimension d; values: their n observed values. */
  constructor(points: readonly Float64Array[], values: ArrayLike<number>, options: GaussianProcessOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object with hyperparameters');
    const { data, n, d } = flattenPoints('points', points);
    const raw = checkValues('values', values, n);
    this.kernel = checkChoice('kernel', options.kernel ?? 'matern52', KERNEL_NAMES);
    this.profile = kernelProfile(this.kernel);
    this.hyperparameters = checkHyperparameters(options.hyperparameters, d);
    this.targetAffine = targetAffine(raw, options.targetScaling ?? 'standardize');
    const factor = factorKernel({ points: data, n, d, targets: applyAffine(raw, this.targetAffine) }, this.profile, this.hyperparameters, options.onWarning === undefined ? console.warn : options.onWarning);
    this.d = d;
    this.n = n;
    this.points = data;
    this.jitter = factor.jitter;
    this.alpha = factor.alpha;
    this.logMarginalLikelihood = factor.logMarginalLikelihood;
    this.kernelInverse = choleskyInverse(factor.cholesky, n);
    this.inverseSquared = inverseSquaredLengthscales(this.hyperparameters.lengthscales, d);
    const { scale } = this.targetAffine;
    this.priorGradient = this.inverseSquared.map((c) => scale * scale * this.hyperparameters.signalVariance * this.profile.curvature * c);
  }

  /** Posterior mean μ(x). */
  mean(x: Float64Array): number {
    const { k } = this.cross(this.check(x), false);
    let s = 0;
    for (let a = 0; a < this.n; a++) s += k[a]! * this.alpha[a]!;
    return this.targetAffine.offset + this.targetAffine.scale * s;
  }

  /** Posterior variance of the latent f(x) (noise excluded), clamped at 0 against rounding. */
  variance(x: Float64Array): number {
    return Math.max(0, this.covariance(x, x));
  }

  /** Posterior covariance of f(x) and f(z): scale² (k(x, z) − k(x)ᵀ K⁻¹ k(z)). */
  covariance(x: Float64Array, z: Float64Array): number {
    const kx = this.cross(this.check(x), false).k;
    const kz = z === x ? kx : this.cross(this.check(z, 'z'), false).k;
    const prior = this.hyperparameters.signalVariance * this.profile.value(scaledSquaredDistance(x, 0, z, 0, this.inverseSquared));
    return this.targetAffine.scale ** 2 * (prior - this.quadratic(kx, kz));
  }

  /** ∇μ(x) = scale · ∂k(x)ᵀ K⁻¹ ỹ, the analytic gradient of the posterior mean (length d). */
  meanGradient(x: Float64Array, out = new Float64Array(this.d)): Float64Array {
    const { slope } = this.cross(this.check(x), true);
    const { n, d, points, alpha } = this;
    out.fill(0);
    for (let a = 0; a < n; a++) {
      const w = alpha[a]! * slope[a]!;
      for (let i = 0; i < d; i++) out[i] += w * (x[i]! - points[a * d + i]!);
    }
    const factor = 2 * this.targetAffine.scale * this.hyperparameters.signalVariance;
    for (let i = 0; i < d; i++) out[i] *= factor * this.inverseSquared[i]!;
    return out;
  }

  /**
   * The posterior variance of ∂f/∂x_i at x for every input i (length d), clamped at 0:
   * scale² (σ_f² (−2κ'(0)) / l_i² − ∂_i k(x)ᵀ K⁻¹ ∂_i k(x)). Costs O(n² d).
   */
  gradientVariance(x: Float64Array, out = new Float64Array(this.d)): Float64Array {
    const { slope } = this.cross(this.check(x), true);
    const { n, d, points, kernelInverse } = this;
    // B_ai = κ'(s_a)(x_i − x_ai), so ∂_i k_a = 2σ_f²/l_i² · B_ai; C = K⁻¹ B.
    const b = new Float64Array(n * d);
    for (let a = 0; a < n; a++) for (let i = 0; i < d; i++) b[a * d + i] = slope[a]! * (x[i]! - points[a * d + i]!);
    const c = new Float64Array(n * d);
    for (let a = 0; a < n; a++) {
      for (let e = 0; e < n; e++) {
        const w = kernelInverse[a * n + e]!;
        for (let i = 0; i < d; i++) c[a * d + i] += w * b[e * d + i]!;
      }
    }
    const scale2 = this.targetAffine.scale ** 2;
    for (let i = 0; i < d; i++) {
      let explained = 0;
      for (let a = 0; a < n; a++) explained += b[a * d + i]! * c[a * d + i]!;
      const factor = 2 * this.hyperparameters.signalVariance * this.inverseSquared[i]!;
      out[i] = Math.max(0, this.priorGradient[i]! - scale2 * factor * factor * explained);
    }
    return out;
  }

  /** The prior variance of ∂f/∂x_i for every input (what gradientVariance is far from the data). */
  priorGradientVariance(): Float64Array {
    return this.priorGradient.slice();
  }

  /**
   * The gradient uncertainty in [0, 1]: the posterior/prior gradient-variance ratio averaged
   * ('mean') or maximised ('max') over the inputs. Dimensionless, so a threshold does not depend
   * on the targets' units or the lengthscale; with an RBF kernel of lengthscale 1 and σ_f² = 1
   * it is the quantity ZoRD's code thresholds (which reads input 0 only).
   *
   * 'mean' costs O(nd + n²), not gradientVariance's O(n²d): the ratio of input i is
   * 1 − (4σ_f²/(−2κ'(0))) w_i ∂_ik̃ᵀK⁻¹∂_ik̃ with w_i = 1/l_i² and ∂_ik̃_a = κ'(s_a)(x_i − x_ai), so
   * the mean is one sum Σ_ab K⁻¹_ab κ'(s_a)κ'(s_b)⟨x − x_a, x − x_b⟩_w, whose inner products
   * come from a Gram matrix of the (centred) points computed once. The mean is clamped to
   * [0, 1] where the per-input variances are clamped at 0: the two agree up to rounding.
   */
  gradientUncertainty(x: Float64Array, reduce: 'mean' | 'max' = 'mean'): number {
    checkChoice('reduce', reduce, ['mean', 'max']);
    if (reduce === 'max') {
      const variance = this.gradientVariance(x);
      return variance.reduce((max, v, i) => Math.max(max, v / this.priorGradient[i]!), 0);
    }
    const { slope } = this.cross(this.check(x), true);
    const { n, d, kernelInverse, inverseSquared: w } = this;
    const { center, centered, gram } = this.weightedGram();
    // ⟨x − x_a, x − x_b⟩_w = q − p_a − p_b + G_ab with z = x − center, q = ⟨z, z⟩_w, p_a = ⟨z, x̃_a⟩_w.
    const z = x.map((v, i) => v - center[i]!);
    let q = 0;
    for (let i = 0; i < d; i++) q += w[i]! * z[i]! * z[i]!;
    const p = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += w[i]! * z[i]! * centered[a * d + i]!;
      p[a] = s;
    }
    let total = 0;
    for (let a = 0; a < n; a++) {
      let row = 0;
      for (let b = 0; b < n; b++) row += kernelInverse[a * n + b]! * slope[b]! * (q - p[a]! - p[b]! + gram[a * n + b]!);
      total += slope[a]! * row;
    }
    const mean = 1 - ((4 * this.hyperparameters.signalVariance) / (this.profile.curvature * d)) * total;
    return Math.min(1, Math.max(0, mean));
  }

  /** The conditioning points centred on their mean and their Gram matrix ⟨x̃_a, x̃_b⟩_w (w = 1/l²), computed on first use. */
  private weightedGram(): { center: Float64Array; centered: Float64Array; gram: Float64Array } {
    if (this.gram) return this.gram;
    const { n, d, points, inverseSquared: w } = this;
    const center = new Float64Array(d);
    for (let a = 0; a < n; a++) for (let i = 0; i < d; i++) center[i] += points[a * d + i]! / n;
    const centered = points.map((v, k) => v - center[k % d]!);
    const gram = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += w[i]! * centered[a * d + i]! * centered[b * d + i]!;
        gram[a * n + b] = gram[b * n + a] = s;
      }
    }
    this.gram = { center, centered, gram };
    return this.gram;
  }

  private check(x: Float64Array, name = 'x'): Float64Array {
    return checkVector(name, x, this.d);
  }

  /** k(x, x_a) for each conditioning point, and the slopes κ'(s_a) when asked. */
  private cross(x: Float64Array, slopes: boolean): { k: Float64Array; slope: Float64Array } {
    const { n, d, points, profile } = this;
    const k = new Float64Array(n);
    const slope = new Float64Array(slopes ? n : 0);
    for (let a = 0; a < n; a++) {
      const s = scaledSquaredDistance(x, 0, points, a * d, this.inverseSquared);
      k[a] = this.hyperparameters.signalVariance * profile.value(s);
      if (slopes) slope[a] = profile.slope(s);
    }
    return { k, slope };
  }

  /** uᵀ K⁻¹ v. */
  private quadratic(u: Float64Array, v: Float64Array): number {
    const { n, kernelInverse } = this;
    let s = 0;
    for (let a = 0; a < n; a++) {
      let row = 0;
      for (let b = 0; b < n; b++) row += kernelInverse[a * n + b]! * v[b]!;
      s += u[a]! * row;
    }
    return s;
  }
}
