import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleByMomentum } from '../../src/optim/index.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';

/** The updates for three random gradients, and the same in float64 from the formulas. */
function threeSteps(beta: number, nesterov: boolean): { actual: number[][]; expected: number[][] } {
  const random = testRandom(7);
  const transform = scaleByMomentum(beta, { nesterov });
  const params = new Float32Array(5);
  let state = transform.init(params);
  let trace = new Float64Array(5);
  const actual = [];
  const expected = [];
  for (let step = 0; step < 3; step++) {
    const g = Float32Array.from(normals(5, random));
    trace = trace.map((t, i) => g[i]! + beta * t);
    expected.push([...trace].map((t, i) => (nesterov ? g[i]! + beta * t : t)));
    const result = transform.update(g, state, params, step);
    state = result.state;
    actual.push([...result.updates]);
  }
  return { actual, expected };
}

test('heavy ball: t ← g + β·t, u ← t', () => {
  const { actual, expected } = threeSteps(0.9, false);
  actual.forEach((u, step) => assertAllClose(u, expected[step]!, { rtol: 1e-6, what: `step ${step}` }));
});

test('Nesterov: t ← g + β·t, u ← g + β·t', () => {
  const { actual, expected } = threeSteps(0.9, true);
  actual.forEach((u, step) => assertAllClose(u, expected[step]!, { rtol: 1e-6, what: `step ${step}` }));
});

test('under a constant gradient Nesterov looks one step ahead of heavy ball', () => {
  const run = (nesterov: boolean) => {
    const transform = scaleByMomentum(0.5, { nesterov });
    const params = new Float32Array(1);
    let state = transform.init(params);
    return [0, 1, 2].map((step) => {
      const result = transform.update(Float32Array.of(1), state, params, step);
      state = result.state;
      return result.updates[0];
    });
  };
  assert.deepEqual(run(false), [1, 1.5, 1.75]);
  assert.deepEqual(run(true), [1.5, 1.75, 1.875]);
});

test('momentum must be in [0, 1)', () => {
  for (const momentum of [1, -0.1, NaN]) assert.throws(() => scaleByMomentum(momentum), /^RangeError: momentum must be in \[0, 1\)/);
});
