import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillGaussian } from '../../src/rng/index.js';
import {
  directionalEstimate,
  estimatePriorCosine,
  finiteDifferencePoints,
  gradientNormSquared,
  prgfDirections,
  prgfSamplingWeight,
  rgfDirections,
} from '../../src/surrogate/index.js';
import { assertAllClose, dot } from '../helpers.js';
import { normalVector } from './fixtures.js';

function assertOrthonormal(vectors: Float64Array[], what: string): void {
  vectors.forEach((u, k) => vectors.forEach((v, l) => assert.ok(Math.abs(dot(u, v) - (k === l ? 1 : 0)) < 1e-12, `${what}: u_${k}·u_${l} = ${dot(u, v)}`)));
}

test('RGF directions are orthonormal and equal Gram–Schmidt of the seed\'s Gaussian draws', () => {
  for (const [d, q] of [[10, 10], [50, 7], [300, 20]] as const) {
    const directions = rgfDirections(d, q, 42);
    assert.equal(directions.length, q);
    assertOrthonormal(directions, `d ${d}, q ${q}`);
    const draws = new Float64Array(d * q);
    fillGaussian(draws, 42);
    const gramSchmidt: Float64Array[] = [];
    for (let k = 0; k < q; k++) {
      let u = draws.slice(k * d, (k + 1) * d);
      for (const e of gramSchmidt) u = u.map((v, i) => v - dot(u, e) * e[i]!);
      gramSchmidt.push(u.map((v) => v / Math.sqrt(dot(u, u))));
    }
    gramSchmidt.forEach((e, k) => assertAllClose(directions[k]!, e, { atol: 1e-10, rtol: 0, what: `direction ${k}` }));
  }
  assert.throws(() => rgfDirections(3, 4, 0), /^RangeError: count must not exceed dimension \(3\)/);
});

test('PRGF without a prior is exactly RGF with the same seed', () => {
  assert.deepEqual(prgfDirections(30, 8, 5, null, 0.4), rgfDirections(30, 8, 5));
});

test('PRGF directions are unit vectors leaning √λ on the prior, with orthonormal parts orthogonal to it', () => {
  const prior = normalVector(40, 3);
  const unit = prior.map((v) => v / Math.sqrt(dot(prior, prior)));
  for (const lambda of [0, 0.3, 0.9]) {
    const directions = prgfDirections(40, 6, 9, prior, lambda);
    for (const u of directions) {
      assert.ok(Math.abs(dot(u, u) - 1) < 1e-12);
      assert.ok(Math.abs(dot(u, unit) - Math.sqrt(lambda)) < 1e-12);
    }
    const rest = directions.map((u) => u.map((v, i) => (v - Math.sqrt(lambda) * unit[i]!) / Math.sqrt(1 - lambda)));
    assertOrthonormal(rest, `λ ${lambda}`);
  }
  assert.throws(() => prgfDirections(40, 6, 9, new Float64Array(40), 0.5), /^RangeError: prior must be non-zero/);
  assert.throws(() => prgfDirections(40, 6, 9, prior, 1.5), /^RangeError: lambda must be in \[0, 1\]/);
});

test('λ* follows the authors\' expression, is 0 below α² = 1/(d + 2q − 2), 1 above (2q − 1)/(d + 2q − 2), and continuous', () => {
  const d = 100;
  const q = 10;
  const big = d + 2 * q - 2;
  // thu-ml/Prior-Guided-RGF attack.py: (1 − α²)(1 − α² D) / (α⁴ d D − 2α² d q + 1).
  const authors = (a: number): number => ((1 - a * a) * (1 - a * a * big)) / (a ** 4 * d * big - 2 * a * a * d * q + 1);
  for (const alpha of [0.11, 0.2, 0.3, 0.35, 0.4]) {
    assert.ok(Math.abs(prgfSamplingWeight(alpha, d, q) - authors(alpha)) < 1e-12, `α ${alpha}`);
  }
  assert.equal(prgfSamplingWeight(0, d, q), 0);
  assert.equal(prgfSamplingWeight(Math.sqrt(1 / big) * 0.99, d, q), 0);
  assert.equal(prgfSamplingWeight(Math.sqrt((2 * q - 1) / big) * 1.01, d, q), 1);
  assert.equal(prgfSamplingWeight(-1, d, q), 1);
  for (const edge of [Math.sqrt(1 / big), Math.sqrt((2 * q - 1) / big)]) {
    assert.ok(Math.abs(prgfSamplingWeight(edge * (1 + 1e-9), d, q) - prgfSamplingWeight(edge * (1 - 1e-9), d, q)) < 1e-6, `continuous at α = ${edge}`);
  }
  let previous = 0;
  for (let alpha = 0; alpha <= 1; alpha += 0.01) {
    const lambda = prgfSamplingWeight(alpha, d, q);
    assert.ok(lambda >= previous - 1e-12 && lambda <= 1, `λ* grows with α (α ${alpha})`);
    previous = lambda;
  }
});

test('d orthonormal directions with scale d/q recover a linear function\'s gradient and its norm exactly', () => {
  const d = 12;
  const g = normalVector(d, 1);
  const f = (x: Float64Array): number => 3 + dot(g, x);
  const x = normalVector(d, 2);
  const directions = rgfDirections(d, d, 7);
  const values = finiteDifferencePoints(x, directions, 1e-3).map(f);
  assertAllClose(directionalEstimate(f(x), values, directions, 1e-3, 1), g, { rtol: 1e-8, atol: 1e-9 });
  assertAllClose(directionalEstimate(f(x), values, directions, 1e-3), g.map((v) => v / d), { rtol: 1e-8, atol: 1e-9, what: 'the default mean over q' });
  assert.ok(Math.abs(gradientNormSquared(f(x), values, 1e-3, d) / dot(g, g) - 1) < 1e-8);
});

test('with a prior of cosine 0.6, PRGF\'s estimate is much closer in direction to the gradient than RGF\'s at equal q', () => {
  const d = 100;
  const q = 10;
  const mu = 1e-4;
  let rgfCosine = 0;
  let prgfCosine = 0;
  const trials = 30;
  for (let trial = 0; trial < trials; trial++) {
    const g = normalVector(d, 100 + trial);
    const f = (x: Float64Array): number => dot(g, x);
    const x = new Float64Array(d);
    const gUnit = g.map((v) => v / Math.sqrt(dot(g, g)));
    let w = normalVector(d, 200 + trial);
    w = w.map((v, i) => v - dot(w, gUnit) * gUnit[i]!);
    const prior = gUnit.map((v, i) => 0.6 * v + 0.8 * (w[i]! / Math.sqrt(dot(w, w))));
    const cosine = (e: Float64Array): number => dot(e, g) / Math.sqrt(dot(e, e) * dot(g, g));

    const rgf = rgfDirections(d, q, trial);
    rgfCosine += cosine(directionalEstimate(f(x), finiteDifferencePoints(x, rgf, mu).map(f), rgf, mu)) / trials;

    // PRGF: estimate ‖∇f‖² from 10 probes and the prior's derivative from one, then λ*.
    const probes = rgfDirections(d, 10, 1000 + trial);
    const norm2 = gradientNormSquared(f(x), finiteDifferencePoints(x, probes, mu).map(f), mu, d);
    const priorUnit = prior.map((v) => v / Math.sqrt(dot(prior, prior)));
    const alpha = estimatePriorCosine((f(finiteDifferencePoints(x, [priorUnit], mu)[0]!) - f(x)) / mu, norm2);
    const directions = prgfDirections(d, q, trial, prior, prgfSamplingWeight(alpha, d, q));
    prgfCosine += cosine(directionalEstimate(f(x), finiteDifferencePoints(x, directions, mu).map(f), directions, mu)) / trials;
  }
  assert.ok(rgfCosine > 0.2 && rgfCosine < 0.45, `RGF's mean cosine ${rgfCosine} (≈ √(q/d) = 0.32)`);
  assert.ok(prgfCosine > rgfCosine + 0.2, `PRGF's mean cosine ${prgfCosine} vs RGF's ${rgfCosine}`);
});
