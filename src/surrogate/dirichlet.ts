import { fillGaussian, fillUniform } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { positive, positiveInteger } from './check.js';

/** Attempts of Marsaglia–Tsang per draw before giving up (each succeeds with probability > 0.95). */
const MAX_ATTEMPTS = 1000;

/**
 * One Gamma(shape, 1) draw by Marsaglia & Tsang (ACM TOMS 2000), boosted for shape < 1 by
 * G(a) = G(a + 1) · U^{1/a} (their §6). Every draw is a pure function of the stream `seed`:
 * attempt t reads Gaussian element t and uniform element t + 1 of the project's noise streams,
 * the boost reads uniform element 0. Uniforms are used as 1 − u ∈ (0, 1], so logs stay finite.
 */
export function sampleGamma(shape: number, seed: Seed): number {
  positive('shape', shape);
  const boosted = shape < 1;
  const a = boosted ? shape + 1 : shape;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const normal = new Float64Array(1);
  const uniform = new Float64Array(1);
  for (let t = 0; t < MAX_ATTEMPTS; t++) {
    fillGaussian(normal, seed, t);
    const x = normal[0]!;
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    fillUniform(uniform, seed, t + 1);
    if (Math.log(1 - uniform[0]!) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
      if (!boosted) return d * v;
      fillUniform(uniform, seed, 0);
      return d * v * (1 - uniform[0]!) ** (1 / shape);
    }
  }
  throw new Error(`sampleGamma(${shape}) rejected ${MAX_ATTEMPTS} proposals in a row; the noise stream is broken`);
}

/**
 * One draw from the symmetric Dirichlet(concentration · 1_k) on the (k−1)-simplex, as k
 * independent Gamma(concentration) draws (streams deriveSeed(seed, j)) divided by their sum.
 */
export function sampleDirichlet(k: number, concentration: number, seed: Seed): Float64Array {
  positiveInteger('k', k);
  positive('concentration', concentration);
  const g = Float64Array.from({ length: k }, (_, j) => sampleGamma(concentration, deriveSeed(seed, j)));
  const total = g.reduce((s, v) => s + v, 0);
  return g.map((v) => v / total);
}
