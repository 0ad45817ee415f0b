import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipByGlobalNorm, clipByValue, type GradientTransformation } from '../../src/optim/index.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';

const apply = (transform: GradientTransformation, values: ArrayLike<number>): Float32Array => {
  const updates = Float32Array.from(values);
  const params = new Float32Array(updates.length);
  assert.equal(transform.update(updates, transform.init(params), params, 0).updates, updates);
  return updates;
};

const norm = (values: ArrayLike<number>): number => Math.hypot(...Array.from(values));

test('clipByGlobalNorm leaves updates within the norm unchanged', () => {
  const small = Float32Array.from(normals(100, testRandom(1)), (x) => x * 0.01);
  assert.deepEqual(apply(clipByGlobalNorm(1), small), small);
  assert.deepEqual(apply(clipByGlobalNorm(5), [3, 4]), Float32Array.of(3, 4));
});

test('clipByGlobalNorm scales larger updates to the norm, keeping their direction', () => {
  const large = Float32Array.from(normals(1000, testRandom(2)), (x) => x * 100);
  const clipped = apply(clipByGlobalNorm(2.5), large);
  assertAllClose([norm(clipped)], [2.5], { rtol: 1e-6 });
  const factor = 2.5 / norm(large);
  assertAllClose(clipped, Array.from(large, (x) => x * factor), { rtol: 1e-6 });
  assertAllClose(apply(clipByGlobalNorm(1), [3, 4]), [0.6, 0.8], { rtol: 1e-7 });
});

test('clipByValue clamps each element to [−maxAbs, maxAbs]', () => {
  assert.deepEqual(apply(clipByValue(1.5), [-3, -1.5, 0.25, 1.5, 2]), Float32Array.of(-1.5, -1.5, 0.25, 1.5, 1.5));
});

test('the limits must be finite and > 0', () => {
  for (const limit of [0, -1, NaN, Infinity]) {
    assert.throws(() => clipByGlobalNorm(limit), /^RangeError: maxNorm must be/);
    assert.throws(() => clipByValue(limit), /^RangeError: maxAbs must be/);
  }
});
