import { fillGaussian, fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import { checkChoice, checkValues, checkVector, finite, flattenPoints, nonNegative, positive, positiveInteger } from './check.js';
import { type WarningHandler, choleskySolve, choleskyWithJitter, squareMatrix } from './cholesky.js';

/** A linear model on random features: f̂(x) = offset + Σ_j w_j φ_j(x), in the targets' units. */
export interface RandomFeatureModel {
  readonly weights: Float64Array;
  readonly offset: number;
}

export interface RandomFeatureFit extends RandomFeatureModel {
  /** Jitter added to the Gram matrix's diagonal (0 unless it was singular). */
  readonly jitter: number;
}

export interface RandomFeaturesOptions {
  readonly dimension: number;
  /** M, the number of features (default 10,000, FZooS's code). */
  readonly features?: number;
  /** The RBF kernel's lengthscale l (default 1, FZooS's code). */
  readonly lengthscale?: number;
  /** Everything is generated from this seed: equal seeds give equal features on every machine. */
  readonly seed: Seed;
}

export interface RandomFeatureFitOptions {
  /** Ridge penalty λ on ‖w‖² (default 0: the minimum-norm least-squares fit, FZooS's Ridge(alpha=0)). */
  readonly ridge?: number;
  /**
   * What is subtracted from the targets before the fit and added back by value():
   * 'min' (default; FZooS's code min-max scales, which is this up to a factor the weights absorb),
   * 'mean', or 'none'.
   */
  readonly offset?: 'min' | 'mean' | 'none';
  /** Receives the jitter warning; null silences it. Default console.warn. */
  readonly onWarning?: WarningHandler | null;
}

/**
 * Random Fourier features for the RBF kernel exp(−‖x − x'‖² / 2l²) (Rahimi & Recht, NeurIPS 2007):
 * φ_j(x) = √(2/M) cos(v_jᵀx + b_j), v_j ~ N(0, I/l²), b_j ~ U[0, 2π), j = 1..M, so that
 * E[φ(x)ᵀφ(x')] = k(x, x'). FZooS (Shu et al. 2023, §4.1 and App. 9) fits each client's weights on
 * its queries, averages them on the server and corrects each local gradient with
 * ∇μ̂(x) = −√(2/M) Σ_j w_j sin(v_jᵀx + b_j) v_j. The features are a pure function of
 * (dimension, M, lengthscale, seed), so clients and server share them through the seed alone.
 * v and b come from the project's float32 noise streams (Gaussian and uniform streams of `seed`).
 */
export class RandomFourierFeatures {
  readonly dimension: number;
  readonly features: number;
  readonly lengthscale: number;
  /** v_j, row-major M×d. */
  readonly frequencies: Float64Array;
  /** b_j, length M. */
  readonly phases: Float64Array;
  private readonly amplitude: number;

  constructor(options: RandomFeaturesOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object with dimension and seed');
    this.dimension = positiveInteger('dimension', options.dimension);
    this.features = positiveInteger('features', options.features ?? 10_000);
    this.lengthscale = positive('lengthscale', options.lengthscale ?? 1);
    this.frequencies = new Float64Array(this.features * this.dimension);
    fillGaussian(this.frequencies, options.seed);
    for (let k = 0; k < this.frequencies.length; k++) this.frequencies[k] /= this.lengthscale;
    this.phases = new Float64Array(this.features);
    fillUniform(this.phases, options.seed);
    for (let j = 0; j < this.features; j++) this.phases[j] *= 2 * Math.PI;
    this.amplitude = Math.sqrt(2 / this.features);
  }

  /** φ(x), length M. */
  transform(x: Float64Array, out = new Float64Array(this.features)): Float64Array {
    checkVector('x', x, this.dimension);
    for (let j = 0; j < this.features; j++) out[j] = this.amplitude * Math.cos(this.argument(x, j));
    return out;
  }

  /**
   * Ridge regression of the offset targets on the features: w = argmin ‖Φw − (y − offset)‖² + λ‖w‖²,
   * solved through the smaller Gram matrix: w = Φᵀ(ΦΦᵀ + λI)⁻¹(y − offset) when n ≤ M (the
   * minimum-norm solution at λ = 0, as sklearn's Ridge(alpha=0) in FZooS's code), else
   * (ΦᵀΦ + λI)⁻¹Φᵀ(y − offset); Cholesky by ml-matrix, with jitter when singular (see choleskyWithJitter).
   */
  fit(points: readonly Float64Array[], values: ArrayLike<number>, options: RandomFeatureFitOptions = {}): RandomFeatureFit {
    const { data, n } = flattenPoints('points', points, this.dimension);
    const y = checkValues('values', values, n);
    const ridge = nonNegative('ridge', options.ridge ?? 0);
    const offset = targetOffset(y, checkChoice('offset', options.offset ?? 'min', ['min', 'mean', 'none']));
    const targets = y.map((v) => v - offset);
    const m = this.features;
    const phi = new Float64Array(n * m);
    for (let a = 0; a < n; a++) this.transform(data.subarray(a * this.dimension, (a + 1) * this.dimension), phi.subarray(a * m, (a + 1) * m));
    const onWarning = options.onWarning === undefined ? console.warn : options.onWarning;
    const weights = new Float64Array(m);
    if (n <= m) {
      const gram = gramOfRows(phi, n, m, ridge);
      const { decomposition, jitter } = choleskyWithJitter(squareMatrix(gram, n), 'random-feature Gram matrix ΦΦᵀ', onWarning);
      const c = choleskySolve(decomposition, targets);
      for (let a = 0; a < n; a++) for (let j = 0; j < m; j++) weights[j] += phi[a * m + j]! * c[a]!;
      return { weights, offset, jitter };
    }
    const gram = gramOfColumns(phi, n, m, ridge);
    const rhs = new Float64Array(m);
    for (let a = 0; a < n; a++) for (let j = 0; j < m; j++) rhs[j] += phi[a * m + j]! * targets[a]!;
    const { decomposition, jitter } = choleskyWithJitter(squareMatrix(gram, m), 'random-feature Gram matrix ΦᵀΦ', onWarning);
    weights.set(choleskySolve(decomposition, rhs));
    return { weights, offset, jitter };
  }

  /** f̂(x) = offset + Σ_j w_j φ_j(x). */
  value(model: RandomFeatureModel, x: Float64Array): number {
    this.checkModel(model);
    checkVector('x', x, this.dimension);
    let s = 0;
    for (let j = 0; j < this.features; j++) s += model.weights[j]! * Math.cos(this.argument(x, j));
    return model.offset + this.amplitude * s;
  }

  /** ∇f̂(x) = −√(2/M) Σ_j w_j sin(v_jᵀx + b_j) v_j, length d. */
  gradient(model: RandomFeatureModel, x: Float64Array, out = new Float64Array(this.dimension)): Float64Array {
    this.checkModel(model);
    checkVector('x', x, this.dimension);
    const d = this.dimension;
    out.fill(0);
    for (let j = 0; j < this.features; j++) {
      const c = -this.amplitude * model.weights[j]! * Math.sin(this.argument(x, j));
      for (let i = 0; i < d; i++) out[i] += c * this.frequencies[j * d + i]!;
    }
    return out;
  }

  private argument(x: Float64Array, j: number): number {
    const d = this.dimension;
    let s = this.phases[j]!;
    for (let i = 0; i < d; i++) s += this.frequencies[j * d + i]! * x[i]!;
    return s;
  }

  private checkModel(model: RandomFeatureModel): void {
    if (model === null || typeof model !== 'object') throw new TypeError('model must be a RandomFeatureModel { weights, offset }');
    checkVector('model.weights', model.weights, this.features);
    finite('model.offset', model.offset);
  }
}

/**
 * The server's model in FZooS: the mean of the clients' weights and offsets (weights are in the
 * targets' units, so this is the code's average of weights rescaled by each client's y_max − y_min).
 * All models must come from features with the same seed, dimension, M and lengthscale.
 */
export function averageRandomFeatureModels(models: readonly RandomFeatureModel[]): RandomFeatureModel {
  if (!Array.isArray(models) || models.length === 0) throw new RangeError('models must be a non-empty array of RandomFeatureModels');
  const m = checkVector('models[0].weights', models[0]!.weights).length;
  const weights = new Float64Array(m);
  let offset = 0;
  models.forEach((model, k) => {
    checkVector(`models[${k}].weights`, model.weights, m);
    offset += finite(`models[${k}].offset`, model.offset) / models.length;
    for (let j = 0; j < m; j++) weights[j] += model.weights[j]! / models.length;
  });
  return { weights, offset };
}

function targetOffset(y: Float64Array, kind: 'min' | 'mean' | 'none'): number {
  if (kind === 'none') return 0;
  if (kind === 'min') return y.reduce((a, b) => Math.min(a, b), Infinity);
  return y.reduce((a, b) => a + b, 0) / y.length;
}

/** ΦΦᵀ + λI for Φ row-major n×m. */
function gramOfRows(phi: Float64Array, n: number, m: number, ridge: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += phi[a * m + j]! * phi[b * m + j]!;
      g[a * n + b] = g[b * n + a] = s;
    }
    g[a * n + a] += ridge;
  }
  return g;
}

/** ΦᵀΦ + λI for Φ row-major n×m. */
function gramOfColumns(phi: Float64Array, n: number, m: number, ridge: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let a = 0; a < n; a++) {
    for (let j = 0; j < m; j++) {
      const pj = phi[a * m + j]!;
      for (let k = 0; k <= j; k++) g[j * m + k] += pj * phi[a * m + k]!;
    }
  }
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < j; k++) g[k * m + j] = g[j * m + k]!;
    g[j * m + j] += ridge;
  }
  return g;
}
