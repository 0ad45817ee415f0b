import { fillUniform } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { checkChoice, checkValues, checkVector, flattenPoints, nonNegativeInteger, positive, positiveInteger } from './check.js';
import type { WarningHandler } from './cholesky.js';
import { type GpData, type GpHyperparameters, GaussianProcess } from './gaussian-process.js';
import { KERNEL_NAMES, type KernelName, kernelProfile } from './kernels.js';
import { minimizeBoxLbfgs } from './lbfgs.js';
import { marginalLikelihoodOf } from './marginal-likelihood.js';
import { type TargetScaling, applyAffine, targetAffine } from './target-scaling.js';

export type Bounds = readonly [lower: number, upper: number];

export interface GpFitOptions {
  /** Default 'matern52' (bayes_opt's kernel in ZoRD's code, sklearn's in FZooS's). */
  readonly kernel?: KernelName;
  /** One lengthscale per input instead of one shared (default false, as both codes). */
  readonly ard?: boolean;
  /** Fit σ_f² (default false: fixed at the initial value, 1, as both codes). */
  readonly fitSignalVariance?: boolean;
  /** Fit σ_n² (default false: fixed at the initial value, 1e-6, sklearn's alpha in both codes). */
  readonly fitNoiseVariance?: boolean;
  /**
   * The first start, and the value of every hyperparameter not fitted. Default lengthscale 1,
   * σ_f² = 1, σ_n² = 1e-6; a fitted one outside its bounds starts on the nearest bound. Pass a previous
   * fit's hyperparameters to warm-start.
   */
  readonly initial?: { readonly lengthscales?: Float64Array; readonly signalVariance?: number; readonly noiseVariance?: number };
  /** Search boxes; default (1e-5, 1e5) for each, sklearn's defaults. */
  readonly bounds?: { readonly lengthscale?: Bounds; readonly signalVariance?: Bounds; readonly noiseVariance?: Bounds };
  /** Starts after the first, drawn log-uniformly in the bounds (default 5 as bayes_opt; FZooS's code: 20). */
  readonly restarts?: number;
  /** Seeds the restarts (default 0). */
  readonly seed?: Seed;
  /** L-BFGS iterations per start (default 100). */
  readonly maxIterations?: number;
  /** Default 'standardize' (ZoRD's code); FZooS's code: 'min-max'. */
  readonly targetScaling?: TargetScaling;
  /** Receives the final GP's jitter warning; null silences it. Default console.warn. */
  readonly onWarning?: WarningHandler | null;
}

export interface GpFitStart {
  /** The start's maximised log marginal likelihood, or null when its kernel matrix could not be factored. */
  readonly logMarginalLikelihood: number | null;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface GpFit {
  /** The GP conditioned on the data with the best start's hyperparameters. */
  readonly gp: GaussianProcess;
  /** One entry per start: the initial one first, then each restart. */
  readonly starts: readonly GpFitStart[];
}

const DEFAULT_BOUNDS: Bounds = [1e-5, 1e5];

/**
 * Type-II maximum likelihood for a GP's hyperparameters (Rasmussen & Williams 2006, §5.4.1):
 * maximises the log marginal likelihood of the scaled targets over the logs of the lengthscale(s)
 * and, when asked, σ_f² and σ_n², with the analytic gradient (logMarginalLikelihood) and a
 * box-constrained L-BFGS (minimizeBoxLbfgs) from the initial point and `restarts` seeded
 * log-uniform points, as sklearn's GaussianProcessRegressor does with n_restarts_optimizer.
 * Inside the search a singular kernel matrix gets jitter silently; starts that cannot be
 * factored at all are skipped. Throws RangeError/TypeError for bad inputs, Error when no start
 * could be factored.
 */
export function fitGaussianProcess(points: readonly Float64Array[], values: ArrayLike<number>, options: GpFitOptions = {}): GpFit {
  const { data: flat, n, d } = flattenPoints('points', points);
  const raw = checkValues('values', values, n);
  const kernel = checkChoice('kernel', options.kernel ?? 'matern52', KERNEL_NAMES);
  const targetScaling = options.targetScaling ?? 'standardize';
  const data: GpData = { points: flat, n, d, targets: applyAffine(raw, targetAffine(raw, targetScaling)) };
  const profile = kernelProfile(kernel);
  const ard = options.ard ?? false;
  const fitSignal = options.fitSignalVariance ?? false;
  const fitNoise = options.fitNoiseVariance ?? false;
  const restarts = nonNegativeInteger('restarts', options.restarts ?? 5);
  const maxIterations = positiveInteger('maxIterations', options.maxIterations ?? 100);

  const m = ard ? d : 1;
  const initialLengthscales = options.initial?.lengthscales ?? new Float64Array([1]);
  checkVector('initial.lengthscales', initialLengthscales).forEach((l, i) => positive(`initial.lengthscales[${i}]`, l));
  if (initialLengthscales.length !== 1 && initialLengthscales.length !== m) {
    throw new RangeError(`initial.lengthscales must have length 1 or ${m} (${ard ? 'one per input' : 'shared'}), got ${initialLengthscales.length}`);
  }
  const signalVariance = positive('initial.signalVariance', options.initial?.signalVariance ?? 1);
  const noiseVariance = positive('initial.noiseVariance', options.initial?.noiseVariance ?? 1e-6);

  // θ = [log l_1..l_m, log σ_f² (if fitted), log σ_n² (if fitted)], each boxed in log space.
  const boxes = [
    ...Array.from({ length: m }, () => logBounds('bounds.lengthscale', options.bounds?.lengthscale)),
    ...(fitSignal ? [logBounds('bounds.signalVariance', options.bounds?.signalVariance)] : []),
    ...(fitNoise ? [logBounds('bounds.noiseVariance', options.bounds?.noiseVariance)] : []),
  ];
  const lower = Float64Array.from(boxes, (b) => b[0]);
  const upper = Float64Array.from(boxes, (b) => b[1]);
  const unpack = (theta: Float64Array): GpHyperparameters => ({
    lengthscales: theta.slice(0, m).map(Math.exp),
    signalVariance: fitSignal ? Math.exp(theta[m]!) : signalVariance,
    noiseVariance: fitNoise ? Math.exp(theta[m + (fitSignal ? 1 : 0)]!) : noiseVariance,
  });
  const objective = (theta: Float64Array): { value: number; gradient: Float64Array } => {
    const { value, gradient } = marginalLikelihoodOf(data, profile, unpack(theta), null);
    const g = new Float64Array(theta.length);
    gradient.logLengthscales.forEach((v, i) => (g[i] = -v));
    if (fitSignal) g[m] = -gradient.logSignalVariance;
    if (fitNoise) g[m + (fitSignal ? 1 : 0)] = -gradient.logNoiseVariance;
    return { value: -value, gradient: g };
  };

  const first = Float64Array.from({ length: lower.length }, (_, j) =>
    Math.log(j < m ? initialLengthscales[initialLengthscales.length === 1 ? 0 : j]! : j === m && fitSignal ? signalVariance : noiseVariance),
  );
  const starts: GpFitStart[] = [];
  let best: { theta: Float64Array; value: number } | undefined;
  for (let r = 0; r <= restarts; r++) {
    let theta = first;
    if (r > 0) {
      const u = new Float64Array(lower.length);
      fillUniform(u, deriveSeed(options.seed ?? 0, r));
      theta = u.map((v, j) => lower[j]! + v * (upper[j]! - lower[j]!));
    }
    try {
      const result = minimizeBoxLbfgs(objective, theta, { lower, upper, maxIterations });
      starts.push({ logMarginalLikelihood: -result.value, iterations: result.iterations, evaluations: result.evaluations, converged: result.converged });
      if (!best || -result.value > best.value) best = { theta: result.x, value: -result.value };
    } catch {
      starts.push({ logMarginalLikelihood: null, iterations: 0, evaluations: 1, converged: false });
    }
  }
  if (!best) throw new Error(`fitGaussianProcess: the kernel matrix of ${n} points could not be factored at any of ${restarts + 1} starts`);
  const gp = new GaussianProcess(points, raw, { kernel, hyperparameters: unpack(best.theta), targetScaling, onWarning: options.onWarning });
  return { gp, starts };
}

function logBounds(name: string, bounds: Bounds | undefined): Bounds {
  const [lo, hi] = bounds ?? DEFAULT_BOUNDS;
  positive(`${name}[0]`, lo);
  positive(`${name}[1]`, hi);
  if (!(lo <= hi)) throw new RangeError(`${name} must be [lower, upper] with lower ≤ upper, got [${lo}, ${hi}]`);
  return [Math.log(lo), Math.log(hi)];
}
