import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** Receives the library's warnings (default: console.warn). */
export type WarningHandler = (message: string) => void;

export interface JitteredCholesky {
  readonly decomposition: CholeskyDecomposition;
  /** What was added to the diagonal (0 when the matrix was well conditioned as given). */
  readonly jitter: number;
}

/** A pivot L_jj² below this fraction of the largest diagonal entry counts as singular. */
const PIVOT_TOLERANCE = 1e-12;
/** Jitter tried, as fractions of the mean diagonal entry: 1e-10, 1e-9, …, 1e-4. */
const FIRST_JITTER = 1e-10;
const LAST_JITTER = 1e-4;

/**
 * The Cholesky factor (ml-matrix) of a symmetric positive semi-definite n×n matrix A. When A is
 * singular or ill conditioned (not positive definite, or some pivot L_jj² ≤ 1e-12 · max_j A_jj:
 * duplicated points, noise-free targets), the jitter ε·mean(diag A), ε = 1e-10, 1e-9, …, 1e-4,
 * is added to the diagonal until it factors, as GPyTorch's psd_safe_cholesky does; the amount
 * is returned and reported through onWarning (pass null to silence, e.g. inside a hyperparameter
 * search). Throws Error naming `what` if even the largest jitter fails. A is not modified.
 */
export function choleskyWithJitter(matrix: Matrix, what: string, onWarning: WarningHandler | null = console.warn): JitteredCholesky {
  const n = matrix.rows;
  let largest = 0;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    largest = Math.max(largest, matrix.get(j, j));
    sum += matrix.get(j, j);
  }
  const scale = sum / n > 0 ? sum / n : 1;
  const plain = new CholeskyDecomposition(matrix);
  if (wellConditioned(plain, largest)) return { decomposition: plain, jitter: 0 };
  for (let fraction = FIRST_JITTER; fraction <= LAST_JITTER * 1.001; fraction *= 10) {
    const jitter = fraction * scale;
    const shifted = matrix.clone();
    for (let j = 0; j < n; j++) shifted.set(j, j, matrix.get(j, j) + jitter);
    const decomposition = new CholeskyDecomposition(shifted);
    if (wellConditioned(decomposition, largest + jitter)) {
      onWarning?.(`${what} (${n}×${n}) is singular or ill conditioned; added jitter ${jitter.toExponential(2)} (${fraction.toExponential(0)} × mean diagonal) to its diagonal`);
      return { decomposition, jitter };
    }
  }
  throw new Error(
    `${what} (${n}×${n}) is not positive definite even with jitter ${(LAST_JITTER * scale).toExponential(2)} (${LAST_JITTER} × mean diagonal) on its diagonal; check for non-finite entries or a degenerate kernel`,
  );
}

function wellConditioned(decomposition: CholeskyDecomposition, largestDiagonal: number): boolean {
  if (!decomposition.isPositiveDefinite()) return false;
  const l = decomposition.lowerTriangularMatrix;
  for (let j = 0; j < l.rows; j++) {
    const pivot = l.get(j, j);
    if (!(pivot * pivot > PIVOT_TOLERANCE * largestDiagonal)) return false;
  }
  return true;
}

/** An n×n ml-matrix Matrix from a row-major symmetric Float64Array (symmetric by construction). */
export function squareMatrix(data: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) m.set(a, b, data[a * n + b]!);
  return m;
}

/** A column vector (n×1 Matrix) of a Float64Array. */
export function columnVector(data: Float64Array): Matrix {
  return Matrix.columnVector(Array.from(data));
}

/** The solution x of A x = b (A factored), as a Float64Array. */
export function choleskySolve(cholesky: CholeskyDecomposition, b: Float64Array): Float64Array {
  return Float64Array.from(cholesky.solve(columnVector(b)).getColumn(0));
}

/** A⁻¹ of the factored matrix as a row-major n×n Float64Array, symmetrised against rounding. */
export function choleskyInverse(cholesky: CholeskyDecomposition, n: number): Float64Array {
  const inverse = cholesky.solve(Matrix.eye(n, n));
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) out[a * n + b] = out[b * n + a] = (inverse.get(a, b) + inverse.get(b, a)) / 2;
  }
  return out;
}
