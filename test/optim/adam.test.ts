import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleByAdam } from '../../src/optim/index.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';

for (const hyper of [{ b1: 0.9, b2: 0.999, eps: 1e-8 }, { b1: 0.5, b2: 0.75, eps: 0.1 }]) {
  test(`the first three steps follow the bias-corrected formulas (${JSON.stringify(hyper)})`, () => {
    const { b1, b2, eps } = hyper;
    const random = testRandom(3);
    const transform = scaleByAdam(hyper);
    const params = new Float32Array(6);
    let state = transform.init(params);
    let m = new Float64Array(6);
    let v = new Float64Array(6);
    for (let step = 0; step < 3; step++) {
      const g = Float32Array.from(normals(6, random), (x) => x * 10 ** step);
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
      const t = step + 1;
      const expected = [...m].map((mi, i) => mi / (1 - b1 ** t) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
      const result = transform.update(g, state, params, step);
      state = result.state;
      assertAllClose(result.updates, expected, { rtol: 1e-6, what: `step ${step} updates` });
      assertAllClose(state.mu, m, { rtol: 1e-6, what: `step ${step} m` });
      assertAllClose(state.nu, v, { rtol: 1e-6, what: `step ${step} v` });
    }
  });
}

test('thanks to the bias correction, the first update is g/(|g| + eps) ≈ sign(g), whatever the scale of g', () => {
  const transform = scaleByAdam();
  const params = new Float32Array(3);
  const g = [1e-3, -5, 200];
  const updates = Float32Array.from(g);
  assert.equal(transform.update(updates, transform.init(params), params, 0).updates, updates);
  assertAllClose(updates, g.map((x) => x / (Math.abs(x) + 1e-8)), { rtol: 1e-6 });
});

test('b1 and b2 must be in [0, 1) and eps ≥ 0', () => {
  assert.throws(() => scaleByAdam({ b1: 1 }), /^RangeError: b1 must be in \[0, 1\)/);
  assert.throws(() => scaleByAdam({ b2: -0.5 }), /^RangeError: b2 must be in \[0, 1\)/);
  assert.throws(() => scaleByAdam({ eps: -1e-8 }), /^RangeError: eps must be/);
});
