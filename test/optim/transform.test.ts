import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDecayedWeights,
  applyUpdates,
  chain,
  scaleByLearningRate,
  scaleByMomentum,
  type GradientTransformation,
  type MomentumState,
} from '../../src/optim/index.js';
import { emptyState, type EmptyState } from '../../src/state/index.js';
import { assertAllClose } from '../helpers.js';

test('chain applies its transformations in order', () => {
  const params = Float32Array.of(2, -4);
  const run = (...order: Parameters<typeof chain>) => {
    const optimizer = chain(...order);
    return optimizer.update(Float32Array.of(1, 2), optimizer.init(params), params, 0).updates;
  };
  // −0.1·(g + 0.5·θ), against −0.1·g + 0.5·θ.
  assertAllClose(run(addDecayedWeights(0.5), scaleByLearningRate(0.1)), [-0.2, 0]);
  assertAllClose(run(scaleByLearningRate(0.1), addDecayedWeights(0.5)), [0.9, -2.2]);
});

test('chain keeps one state per transformation and threads each through the steps', () => {
  const optimizer = chain(scaleByMomentum(0.5), scaleByMomentum(0.5));
  const params = new Float32Array(1);
  let state = optimizer.init(params);
  const outputs = [];
  for (let step = 0; step < 3; step++) {
    const result = optimizer.update(Float32Array.of(1), state, params, step);
    state = result.state;
    outputs.push(result.updates[0]);
  }
  // The first trace of g = 1 is 1, 1.5, 1.75; the second traces those: 1, 2, 2.75.
  assert.deepEqual(outputs, [1, 2, 2.75]);
  assert.deepEqual([...(state[0] as MomentumState).trace], [1.75]);
  assert.deepEqual([...(state[1] as MomentumState).trace], [2.75]);
});

test('chain transforms the updates in place', () => {
  const optimizer = chain(scaleByMomentum(0.9), scaleByLearningRate(0.1));
  const params = new Float32Array(3);
  const gradient = Float32Array.of(1, 2, 3);
  assert.equal(optimizer.update(gradient, optimizer.init(params), params, 0).updates, gradient);
});

test('chain passes on the buffer each transformation returns, in place or not', () => {
  const double: GradientTransformation<EmptyState> = { init: emptyState, update: (updates, state) => ({ updates: updates.map((x) => 2 * x), state }) };
  const optimizer = chain(double, scaleByLearningRate(0.5));
  const params = new Float32Array(2);
  assert.deepEqual(optimizer.update(Float32Array.of(1, -3), optimizer.init(params), params, 0).updates, Float32Array.of(-1, 3));
});

test('chain rejects updates of the wrong length and steps that are not counts', () => {
  const optimizer = chain(scaleByLearningRate(0.1));
  const params = new Float32Array(3);
  const state = optimizer.init(params);
  assert.throws(() => optimizer.update(new Float32Array(2), state, params, 0), /length 2 but parameters 3/);
  for (const step of [-1, 0.5, NaN]) assert.throws(() => optimizer.update(new Float32Array(3), state, params, step), RangeError);
});

test('applyUpdates adds the updates into the parameters in place', () => {
  const params = Float32Array.of(1, 2, 3);
  applyUpdates(params, Float32Array.of(0.5, -2, 0));
  assert.deepEqual([...params], [1.5, 0, 3]);
  assert.throws(() => applyUpdates(params, new Float32Array(2)), RangeError);
});
