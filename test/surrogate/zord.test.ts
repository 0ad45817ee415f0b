import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillUniform } from '../../src/rng/index.js';
import { GaussianProcess, selectActiveQueries, virtualUpdates } from '../../src/surrogate/index.js';
import { assertAllClose } from '../helpers.js';

// A GP on a dense grid of [0, 1]²: trusted inside, uncertain outside.
const grid = Array.from({ length: 36 }, (_, k) => new Float64Array([(k % 6) / 5, Math.floor(k / 6) / 5]));
const gp = new GaussianProcess(grid, grid.map((x) => (x[0]! - 0.4) ** 2 + 2 * (x[1]! - 0.6) ** 2), {
  kernel: 'matern52',
  hyperparameters: { lengthscales: new Float64Array([0.5]), signalVariance: 1, noiseVariance: 1e-6 },
});

test('virtual updates step along ∇μ while the uncertainty stays below the threshold, at most maxSteps times', () => {
  const gradients: Float64Array[] = [];
  const descend = (x: Float64Array, g: Float64Array): Float64Array => {
    gradients.push(g);
    return x.map((v, i) => v - 0.05 * g[i]!);
  };
  const start = new Float64Array([0.9, 0.1]);
  const result = virtualUpdates(gp, start, { step: descend, maxSteps: 4 });
  assert.equal(result.steps, 4);
  assert.equal(result.uncertainties.length, 4);
  assert.ok(result.uncertainties.every((u) => u < 0.35));
  // Each step received ∇μ at the point it started from.
  let x = start;
  for (const g of gradients) {
    assertAllClose(g, gp.meanGradient(x), { rtol: 1e-14 });
    x = x.map((v, i) => v - 0.05 * g[i]!);
  }
  assert.deepEqual(result.point, x);
  assert.ok(gp.mean(result.point) < gp.mean(start), 'the steps descend the surrogate');
});

test('the first step is always taken, and the steps stop at the first point whose uncertainty reaches the threshold', () => {
  // Leaving the grid by 0.3 per step: the uncertainty rises past 0.35 after a few steps.
  const outwards = (x: Float64Array): Float64Array => x.map((v) => v + 0.3);
  const result = virtualUpdates(gp, new Float64Array([0.5, 0.5]), { step: outwards });
  const last = result.uncertainties.at(-1)!;
  assert.ok(result.steps >= 2 && result.steps < 10, `${result.steps} steps`);
  assert.equal(result.uncertainties.length, result.steps + 1);
  assert.ok(last >= 0.35 && result.uncertainties.slice(1, -1).every((u) => u < 0.35), `uncertainties ${result.uncertainties}`);
  const far = virtualUpdates(gp, new Float64Array([50, 50]), { step: outwards });
  assert.equal(far.steps, 1);
  assert.ok(far.uncertainties[0]! > 0.99);
  assert.throws(() => virtualUpdates(gp, new Float64Array([0, 0]), { step: () => new Float64Array([NaN, 0]) }), /^RangeError: the step function's result\[0\] must be finite/);
});

test('active queries are the candidates with the largest gradient uncertainty, drawn from the seed', () => {
  const center = new Float64Array([0.95, 1.0]);
  const options = { seed: 17, candidates: 40, radius: 0.3, count: 6 };
  const chosen = selectActiveQueries(gp, center, options);
  // Rebuild every candidate from the same stream and rank them independently.
  const u = new Float64Array(40 * 2);
  fillUniform(u, 17);
  const all = Array.from({ length: 40 }, (_, c) => center.map((v, i) => v + 0.3 * (2 * u[c * 2 + i]! - 1)));
  const ranked = all.map((x) => gp.gradientUncertainty(x)).sort((a, b) => b - a);
  assert.deepEqual(chosen.map((q) => q.uncertainty), ranked.slice(0, 6));
  for (const q of chosen) {
    assert.ok(q.x.every((v, i) => Math.abs(v - center[i]!) <= 0.3));
    assert.equal(q.uncertainty, gp.gradientUncertainty(q.x));
  }
  assert.deepEqual(selectActiveQueries(gp, center, options), chosen);
  assert.notDeepEqual(selectActiveQueries(gp, center, { ...options, seed: 18 }), chosen);
});

test('active-query candidates are clipped into [lower, upper] before scoring', () => {
  const chosen = selectActiveQueries(gp, new Float64Array([1, 1]), { seed: 3, radius: 0.5, candidates: 20, count: 20, lower: 0, upper: 1 });
  assert.ok(chosen.every((q) => q.x.every((v) => v >= 0 && v <= 1)));
  assert.throws(() => selectActiveQueries(gp, new Float64Array([1, 1]), { seed: 3, candidates: 4, count: 5 }), /^RangeError: count must not exceed candidates \(4\), got 5/);
  assert.throws(() => selectActiveQueries(gp, new Float64Array([1, 1]), { seed: 3, lower: 2, upper: 1 }), /^RangeError: lower must not exceed upper/);
});

test('for a trusted surrogate, ZoRD-style virtual updates with a few queries reach the quadratic\'s minimum', () => {
  // The surrogate's minimum is the quadratic's, (0.4, 0.6), inside the grid.
  let x: Float64Array = new Float64Array([0.1, 0.1]);
  for (let outer = 0; outer < 20; outer++) x = virtualUpdates(gp, x, { step: (z, g) => z.map((v, i) => v - 0.2 * g[i]!) }).point;
  assertAllClose(x, [0.4, 0.6], { atol: 0.02, rtol: 0 });
});
