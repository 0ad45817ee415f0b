import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSeed } from '../../src/rng/index.js';
import { sampleDirichlet, sampleGamma } from '../../src/surrogate/index.js';

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b) / values.length;
  return { mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) };
}

test('Gamma(a, 1) draws have mean a and variance a, for shapes below and above 1', () => {
  const draws = 4000;
  for (const shape of [0.2, 1, 3.5]) {
    const { mean, variance } = moments(Array.from({ length: draws }, (_, k) => sampleGamma(shape, deriveSeed(77, k))));
    // Standard errors: √(a/n) for the mean; the variance's is √((μ4 − σ⁴)/n) with μ4 = 3a² + 6a.
    const meanError = Math.sqrt(shape / draws);
    const varianceError = Math.sqrt((2 * shape * shape + 6 * shape) / draws);
    assert.ok(Math.abs(mean - shape) < 4 * meanError, `shape ${shape}: mean ${mean}`);
    assert.ok(Math.abs(variance - shape) < 4 * varianceError, `shape ${shape}: variance ${variance}`);
  }
});

test('Dirichlet(1/N) draws lie on the simplex with mean 1/N and variance (1/N)(1 − 1/N)/2 per component', () => {
  const n = 5;
  const draws = Array.from({ length: 3000 }, (_, k) => sampleDirichlet(n, 1 / n, deriveSeed(5, k)));
  for (const p of draws) {
    assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(p.every((v) => v > 0));
  }
  const expectedVariance = ((1 / n) * (1 - 1 / n)) / 2;
  for (let i = 0; i < n; i++) {
    const { mean, variance } = moments(draws.map((p) => p[i]!));
    assert.ok(Math.abs(mean - 1 / n) < 4 * Math.sqrt(expectedVariance / draws.length), `component ${i}: mean ${mean}`);
    assert.ok(Math.abs(variance / expectedVariance - 1) < 0.15, `component ${i}: variance ${variance} vs ${expectedVariance}`);
  }
});

test('draws are pure functions of the seed', () => {
  assert.deepEqual(sampleDirichlet(4, 0.3, 123n), sampleDirichlet(4, 0.3, 123n));
  assert.notDeepEqual(sampleDirichlet(4, 0.3, 123n), sampleDirichlet(4, 0.3, 124n));
  assert.throws(() => sampleGamma(0, 1), /^RangeError: shape must be a finite number > 0/);
});
