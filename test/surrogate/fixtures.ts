import { normals, testRandom } from '../helpers.js';

/** n points uniform in [lo, hi]^d from a seeded test generator. */
export function uniformPoints(n: number, d: number, seed: number, lo = 0, hi = 1): Float64Array[] {
  const random = testRandom(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => lo + (hi - lo) * random()));
}

/** A standard normal vector from a seeded test generator. */
export function normalVector(d: number, seed: number): Float64Array {
  return normals(d, testRandom(seed));
}

/** Central difference of a scalar function along input i. */
export function centralDifference(f: (x: Float64Array) => number, x: Float64Array, i: number, h: number): number {
  const plus = x.slice();
  const minus = x.slice();
  plus[i] += h;
  minus[i] -= h;
  return (f(plus) - f(minus)) / (2 * h);
}

/** The central-difference gradient of f at x. */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, h: number): Float64Array {
  return Float64Array.from(x, (_, i) => centralDifference(f, x, i, h));
}
