import { Matrix, QrDecomposition } from 'ml-matrix';
import { fillGaussian } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import { checkNumber, checkValues, checkVector, finite, positive, positiveInteger } from './check.js';

/**
 * Orthonormal search directions for random gradient-free (RGF) estimation (Nesterov & Spokoiny
 * 2017; the orthogonalised variant of Cheng et al., NeurIPS 2019, used as a baseline by ZoRD and
 * FZooS): q standard Gaussian vectors from the noise stream `seed`, orthonormalised in order
 * (Householder QR by ml-matrix, signs fixed so the result equals Gram–Schmidt's). Needs q ≤ d.
 */
export function rgfDirections(dimension: number, count: number, seed: Seed): Float64Array[] {
  positiveInteger('dimension', dimension);
  positiveInteger('count', count);
  if (count > dimension) throw new RangeError(`count must not exceed dimension (${dimension}) for orthonormal directions, got ${count}`);
  return orthonormalize(gaussianColumns(dimension, count, seed), dimension);
}

/**
 * Prior-guided RGF directions with biased sampling (PRGF-BS, Cheng, Dong, Pang, Su & Zhu,
 * "Improving black-box adversarial attacks with a transfer-based prior", NeurIPS 2019, §3.2):
 * u_i = √λ v̂ + √(1 − λ) ξ_i, where v̂ = prior/‖prior‖ and ξ_1..ξ_q are RGF's Gaussian draws
 * orthonormalised against v̂ and each other. λ comes from prgfSamplingWeight. With prior null
 * there is nothing to lean on and the directions are exactly rgfDirections(dimension, count, seed).
 * At λ = 1 every direction is v̂: use the probe's derivative times v̂ instead of querying them.
 * Needs q + 1 ≤ d with a prior; throws RangeError for a zero prior or λ outside [0, 1].
 */
export function prgfDirections(dimension: number, count: number, seed: Seed, prior: Float64Array | null, lambda: number): Float64Array[] {
  if (prior === null) return rgfDirections(dimension, count, seed);
  positiveInteger('dimension', dimension);
  positiveInteger('count', count);
  checkNumber('lambda', lambda, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  const unit = unitVector('prior', prior, dimension);
  if (count + 1 > dimension) throw new RangeError(`count must be below dimension (${dimension}) with a prior, got ${count}`);
  const columns = new Float64Array(dimension * (count + 1));
  columns.set(unit);
  columns.set(gaussianColumns(dimension, count, seed), dimension);
  const [, ...orthogonal] = orthonormalize(columns, dimension);
  const a = Math.sqrt(lambda);
  const b = Math.sqrt(1 - lambda);
  return orthogonal.map((xi) => xi.map((v, i) => a * unit[i]! + b * v));
}

/**
 * PRGF-BS's optimal weight λ* of the prior (Cheng et al. 2019, Theorem 2 / eq. 12; the authors'
 * code, thu-ml/Prior-Guided-RGF), from the cosine α between the prior and the true gradient,
 * dimension d and q directions, D = d + 2q − 2:
 *   λ* = 0                                                        if α² ≤ 1/D
 *   λ* = (1 − α²)(α² D − 1) / (2α² d q − α⁴ d D − 1)              if 1/D < α² < (2q − 1)/D
 *   λ* = 1                                                        if α² ≥ (2q − 1)/D
 * The middle branch meets 0 and 1 at its ends. α's sign is ignored (a flipped prior is as good).
 */
export function prgfSamplingWeight(cosine: number, dimension: number, count: number): number {
  checkNumber('cosine', cosine, (v) => v >= -1 && v <= 1, 'in [-1, 1]');
  const d = positiveInteger('dimension', dimension);
  const q = positiveInteger('count', count);
  const a2 = cosine * cosine;
  const big = d + 2 * q - 2;
  if (a2 * big <= 1) return 0;
  if (a2 * big >= 2 * q - 1) return 1;
  return ((1 - a2) * (a2 * big - 1)) / (2 * a2 * d * q - a2 * a2 * d * big - 1);
}

/**
 * The cosine α between the prior and the gradient, estimated as in Cheng et al. 2019 (§3.3):
 * the prior's directional derivative (f(x + μv̂) − f(x))/μ over the gradient norm estimated by
 * gradientNormSquared, clipped to [−1, 1].
 */
export function estimatePriorCosine(priorDerivative: number, gradientNormSquared: number): number {
  finite('priorDerivative', priorDerivative);
  checkNumber('gradientNormSquared', gradientNormSquared, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
  if (gradientNormSquared === 0) return 0;
  return Math.max(-1, Math.min(1, priorDerivative / Math.sqrt(gradientNormSquared)));
}

/**
 * ‖∇f(x)‖² estimated from S forward differences along orthonormal (or uniformly random unit)
 * directions: (d/S) Σ_s ((f(x + μu_s) − f(x))/μ)², since E[(∇fᵀu)²] = ‖∇f‖²/d (Cheng et al. 2019, §3.3).
 */
export function gradientNormSquared(fx: number, values: ArrayLike<number>, smoothing: number, dimension: number): number {
  finite('fx', fx);
  positive('smoothing', smoothing);
  positiveInteger('dimension', dimension);
  const v = checkValues('values', values, values?.length ?? 0);
  if (v.length === 0) throw new RangeError('values must hold at least one probe value');
  let s = 0;
  for (const f of v) s += ((f - fx) / smoothing) ** 2;
  return (dimension * s) / v.length;
}

/** The query points x + μ u_k, one per direction. */
export function finiteDifferencePoints(x: Float64Array, directions: readonly Float64Array[], smoothing: number): Float64Array[] {
  checkVector('x', x);
  positive('smoothing', smoothing);
  return directions.map((u, k) => {
    checkVector(`directions[${k}]`, u, x.length);
    return x.map((v, i) => v + smoothing * u[i]!);
  });
}

/**
 * The gradient estimate ĝ = scale · Σ_k ((f(x + μu_k) − f(x))/μ) u_k from the values at
 * finiteDifferencePoints. Default scale 1/q: the mean over directions of ZoRD's and FZooS's code
 * and Cheng et al. 2019, which estimates ∇f/d for q orthonormal directions; scale d/q makes it
 * unbiased (up to O(μ)), and with q = d orthonormal directions exact for a linear f.
 */
export function directionalEstimate(fx: number, values: ArrayLike<number>, directions: readonly Float64Array[], smoothing: number, scale = 1 / directions.length): Float64Array {
  finite('fx', fx);
  positive('smoothing', smoothing);
  finite('scale', scale);
  if (!Array.isArray(directions) || directions.length === 0) throw new RangeError('directions must be a non-empty array of Float64Arrays');
  const v = checkValues('values', values, directions.length);
  const d = checkVector('directions[0]', directions[0]!).length;
  const g = new Float64Array(d);
  directions.forEach((u, k) => {
    checkVector(`directions[${k}]`, u, d);
    const c = (scale * (v[k]! - fx)) / smoothing;
    for (let i = 0; i < d; i++) g[i] += c * u[i]!;
  });
  return g;
}

/** q columns of d standard normals from the noise stream, column-major (column k is draw k). */
function gaussianColumns(dimension: number, count: number, seed: Seed): Float64Array {
  const columns = new Float64Array(dimension * count);
  fillGaussian(columns, seed);
  return columns;
}

/** Gram–Schmidt (through ml-matrix's QR) of the column-major d×k matrix's columns. */
function orthonormalize(columns: Float64Array, dimension: number): Float64Array[] {
  const k = columns.length / dimension;
  const a = new Matrix(dimension, k);
  for (let c = 0; c < k; c++) for (let i = 0; i < dimension; i++) a.set(i, c, columns[c * dimension + i]!);
  const qr = new QrDecomposition(a);
  const r = qr.upperTriangularMatrix;
  const q = qr.orthogonalMatrix;
  return Array.from({ length: k }, (_, c) => {
    const diagonal = r.get(c, c);
    let norm = 0;
    for (let i = 0; i < dimension; i++) norm += columns[c * dimension + i]! ** 2;
    if (!(Math.abs(diagonal) > 1e-10 * Math.sqrt(norm))) throw new Error(`direction ${c} is linearly dependent on the ones before it`);
    const sign = Math.sign(diagonal);
    return Float64Array.from({ length: dimension }, (_, i) => sign * q.get(i, c));
  });
}

function unitVector(name: string, v: Float64Array, dimension: number): Float64Array {
  checkVector(name, v, dimension);
  let norm = 0;
  for (const x of v) norm += x * x;
  if (!(norm > 0)) throw new RangeError(`${name} must be non-zero`);
  return v.map((x) => x / Math.sqrt(norm));
}
