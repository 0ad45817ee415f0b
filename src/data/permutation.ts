import { fillUniform, type Seed } from '../rng/index.js';

/** Swaps per fillUniform call: bounds the scratch memory for datasets of any size. */
const CHUNK = 8192;

/**
 * A uniformly random permutation of 0..n-1 that depends on `seed` alone: Fisher–Yates
 * driven by the library's counter-based uniform stream, so every platform and every
 * resumed run computes the same order.
 */
export function permutation(n: number, seed: Seed): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`n must be an integer in [0, 2^31 - 1], got ${n}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Two 24-bit uniforms per swap form a 48-bit fraction, so floor(u·(i+1)) is unbiased to
  // ~2^-48·n (one alone would favour some positions by up to n/2^24, 0.4% at n = 60,000).
  const u = new Float64Array(2 * Math.min(CHUNK, Math.max(n - 1, 0)));
  for (let i = n - 1, k = u.length; i > 0; i--, k += 2) {
    if (k === u.length) {
      fillUniform(u.subarray(0, 2 * Math.min(CHUNK, i)), seed, 2 * (n - 1 - i));
      k = 0;
    }
    const j = Math.floor((u[k]! + u[k + 1]! * 2 ** -24) * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
