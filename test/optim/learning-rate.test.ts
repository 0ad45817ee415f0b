import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleByLearningRate } from '../../src/optim/index.js';
import { assertAllClose } from '../helpers.js';

const params = new Float32Array(2);

test('a number scales the updates by −lr, in place', () => {
  const transform = scaleByLearningRate(0.5);
  const updates = Float32Array.of(2, -6);
  assert.equal(transform.update(updates, transform.init(params), params, 7).updates, updates);
  assert.deepEqual([...updates], [-1, 3]);
});

test('a schedule is read at the given step', () => {
  const transform = scaleByLearningRate((step) => 10 ** -step);
  for (const step of [0, 1, 2]) {
    assertAllClose(transform.update(Float32Array.of(1, -2), transform.init(params), params, step).updates, [-(10 ** -step), 2 * 10 ** -step]);
  }
});

test('the learning rate must be a finite number ≥ 0', () => {
  for (const lr of [-0.1, NaN, Infinity]) assert.throws(() => scaleByLearningRate(lr), /^RangeError: lr must be/);
});
