import { checkChoice, checkValues, flattenPoints } from './check.js';
import { type WarningHandler, choleskyInverse } from './cholesky.js';
import { type GpData, type GpHyperparameters, checkHyperparameters, factorKernel, inverseSquaredLengthscales } from './gaussian-process.js';
import { KERNEL_NAMES, type KernelName, type KernelProfile, kernelProfile } from './kernels.js';
import { type TargetScaling, applyAffine, targetAffine } from './target-scaling.js';

export interface MarginalLikelihood {
  /** log p(ỹ | X, θ) of the scaled targets. */
  readonly value: number;
  /** Derivatives with respect to the logs of the hyperparameters. */
  readonly gradient: {
    /** One entry per given lengthscale (1 shared, or d for ARD). */
    readonly logLengthscales: Float64Array;
    readonly logSignalVariance: number;
    readonly logNoiseVariance: number;
  };
  /** Jitter added to the kernel matrix's diagonal (it enters the value, not the parameters). */
  readonly jitter: number;
}

/**
 * The log marginal likelihood of a GP and its gradient in log-hyperparameter space
 * (Rasmussen & Williams 2006, eqs. 2.30 and 5.9):
 *   log p = −½ ỹᵀα − ½ log|K| − (n/2) log 2π,   α = K⁻¹ỹ,   K = σ_f² κ(S) + σ_n² I
 *   ∂ log p / ∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ)
 * with ∂K/∂log σ_f² = σ_f² κ(S), ∂K/∂log σ_n² = σ_n² I and
 * ∂K_ab/∂log l_i = −2 σ_f² κ'(s_ab) (x_ai − x_bi)² / l_i². Costs O(n³ + n² d).
 */
export function marginalLikelihoodOf(data: GpData, profile: KernelProfile, h: GpHyperparameters, onWarning: WarningHandler | null): MarginalLikelihood {
  const { points, n, d } = data;
  const factor = factorKernel(data, profile, h, onWarning);
  const { alpha, distances } = factor;
  const kernelInverse = choleskyInverse(factor.cholesky, n);
  const inverse = inverseSquaredLengthscales(h.lengthscales, d);
  const ard = h.lengthscales.length > 1;
  const logLengthscales = new Float64Array(h.lengthscales.length);
  let signal = 0;
  let noise = 0;
  for (let a = 0; a < n; a++) {
    const wDiagonal = alpha[a]! * alpha[a]! - kernelInverse[a * n + a]!;
    signal += 0.5 * wDiagonal * h.signalVariance;
    noise += 0.5 * wDiagonal * h.noiseVariance;
    for (let b = 0; b < a; b++) {
      const w = alpha[a]! * alpha[b]! - kernelInverse[a * n + b]!;
      const s = distances[a * n + b]!;
      // Both (a, b) and (b, a): the ½ of the trace cancels.
      signal += w * h.signalVariance * profile.value(s);
      const p = -2 * w * h.signalVariance * profile.slope(s);
      if (!ard) {
        logLengthscales[0] += p * s;
        continue;
      }
      for (let i = 0; i < d; i++) {
        const diff = points[a * d + i]! - points[b * d + i]!;
        logLengthscales[i] += p * diff * diff * inverse[i]!;
      }
    }
  }
  return {
    value: factor.logMarginalLikelihood,
    gradient: { logLengthscales, logSignalVariance: signal, logNoiseVariance: noise },
    jitter: factor.jitter,
  };
}

export interface MarginalLikelihoodOptions {
  /** Default 'matern52'. */
  readonly kernel?: KernelName;
  readonly hyperparameters: GpHyperparameters;
  /** Default 'standardize'. */
  readonly targetScaling?: TargetScaling;
  /** Receives the jitter warning; null silences it. Default console.warn. */
  readonly onWarning?: WarningHandler | null;
}

/** marginalLikelihoodOf for n points (each a Float64Array of length d) and their n values. */
export function logMarginalLikelihood(points: readonly Float64Array[], values: ArrayLike<number>, options: MarginalLikelihoodOptions): MarginalLikelihood {
  const { data, n, d } = flattenPoints('points', points);
  const raw = checkValues('values', values, n);
  const kernel = checkChoice('kernel', options.kernel ?? 'matern52', KERNEL_NAMES);
  const h = checkHyperparameters(options.hyperparameters, d);
  const targets = applyAffine(raw, targetAffine(raw, options.targetScaling ?? 'standardize'));
  return marginalLikelihoodOf({ points: data, n, d, targets }, kernelProfile(kernel), h, options.onWarning === undefined ? console.warn : options.onWarning);
}
