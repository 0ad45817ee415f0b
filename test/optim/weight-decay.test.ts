import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adam, adamw, addDecayedWeights, applyUpdates, sgd, type GradientTransformation } from '../../src/optim/index.js';
import { assertAllClose } from '../helpers.js';

test('addDecayedWeights adds wd·θ and leaves θ alone', () => {
  const transform = addDecayedWeights(0.1);
  const params = Float32Array.of(10, -20, 0);
  const updates = Float32Array.of(1, 1, 1);
  assert.equal(transform.update(updates, transform.init(params), params, 0).updates, updates);
  assertAllClose(updates, [2, -1, 1]);
  assert.deepEqual([...params], [10, -20, 0]);
});

/** θ after one step from `start` with a zero gradient, so that only the weight decay acts. */
function stepWithoutGradient(optimizer: GradientTransformation, start: number[]): Float32Array {
  const params = Float32Array.from(start);
  applyUpdates(params, optimizer.update(new Float32Array(params.length), optimizer.init(params), params, 0).updates);
  return params;
}

test('decoupled weight decay (AdamW) shrinks θ by lr·wd·θ; coupled (Adam) takes a normalised step of lr', () => {
  const start = [2, -0.5, 0.03];
  const [lr, weightDecay] = [0.01, 0.1];
  assertAllClose(stepWithoutGradient(adamw(lr, { weightDecay }), start), start.map((x) => x * (1 - lr * weightDecay)), { rtol: 1e-6 });
  // Adam normalises the L2 gradient wd·θ like any other: the step is lr·sign(θ), whatever |θ|.
  assertAllClose(stepWithoutGradient(adam(lr, { weightDecay }), start), start.map((x) => x - lr * Math.sign(x)), { rtol: 1e-5 });
});

test('with plain SGD the coupled L2 is the same shrinkage, θ(1 − lr·wd), but momentum carries it on', () => {
  const start = [2, -0.5];
  const [lr, weightDecay] = [0.1, 0.5];
  assertAllClose(stepWithoutGradient(sgd(lr, { weightDecay }), start), start.map((x) => x * (1 - lr * weightDecay)), { rtol: 1e-6 });
  // Two steps with momentum β: the second decay step adds β times the first.
  const optimizer = sgd(lr, { momentum: 0.9, weightDecay });
  const params = Float32Array.from(start);
  let state = optimizer.init(params);
  const expected = start.map((x) => {
    const x1 = x * (1 - lr * weightDecay);
    return x1 - lr * (weightDecay * x1 + 0.9 * weightDecay * x);
  });
  for (let step = 0; step < 2; step++) {
    const result = optimizer.update(new Float32Array(2), state, params, step);
    state = result.state;
    applyUpdates(params, result.updates);
  }
  assertAllClose(params, expected, { rtol: 1e-6 });
});

test('weight decay must be a finite number ≥ 0', () => {
  for (const weightDecay of [-0.1, NaN]) assert.throws(() => addDecayedWeights(weightDecay), /^RangeError: weightDecay must be/);
  assert.throws(() => adamw(0.1, { weightDecay: -1 }), /^RangeError: weightDecay must be/);
});
