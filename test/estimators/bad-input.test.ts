import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { ForwardGradientActivities } from '../../src/estimators/fg-a.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { CE, estimateOnce, make, randomBatch } from './fixtures.js';

const model = mlp([6, 5, 3]);
const theta = model.init(1);

/** f(θ) = θ₀ for every example: the exact gradient is e₀. */
const identity = new BlackBoxLossOracle(1, async ({ params }) => params.slice());
const oneExample = { x: HostTensor.zeros('float32', [1, 1]), y: new HostTensor('int64', [1], BigInt64Array.of(0n)) };

describe('the library API refuses bad input at its boundary, naming the parameter', () => {
  test('a NaN in a batch, a label past the classes, targets of the wrong kind', async () => {
    const batch = randomBatch(4, [6], 3);
    (batch.x.data as Float32Array)[2 * 6 + 3] = Number.NaN;
    for (const method of ['bp', 'fg-a', 'spsa']) {
      await assert.rejects(estimateOnce(make(method, model), { params: theta, batch, step: 0 }), /^RangeError: batch inputs hold NaN at example 2 \(feature 3\); inputs must be finite/, method);
    }
    const labels = randomBatch(4, [6], 3);
    (labels.y.data as BigInt64Array)[1] = 7n;
    await assert.rejects(estimateOnce(make('fg-a', model), { params: theta, batch: labels, step: 0 }), /^RangeError: batch label 7 at example 1 is not a class of model 'mlp:6-5-3' \(0 to 2\)/);
    const floats = { x: randomBatch(4, [6], 3).x, y: HostTensor.zeros('float32', [4]) };
    await assert.rejects(estimateOnce(make('bp', model), { params: theta, batch: floats, step: 0 }), /^TypeError: targets of objective 'cross-entropy' must be int64, got float32/);
  });

  test('options out of range, through createEstimator or a constructor', () => {
    assert.throws(() => make('fg-a', model, { directions: 0 }), /^RangeError: fg-a option directions \(--directions\) must be at least 1, got 0/);
    assert.throws(() => new ForwardGradientActivities(model, CE, { directions: 0, noise: 'gaussian', exactReadout: true, seed: 0 }), /^RangeError: fg-a option directions \(--directions\) must be at least 1, got 0/);
    assert.throws(() => make('spsa', model, { epsilon: 0 }), /^RangeError: spsa option epsilon \(--epsilon\) must be greater than 0, got 0/);
    assert.throws(() => make('spsa', model, { noise: 'uniform' }), /^RangeError: spsa option noise \(--noise\) must be one of rademacher, gaussian; got 'uniform'/);
    assert.throws(() => make('spsa', model, { directions: 2.5 }), /^RangeError: spsa option directions \(--directions\) must be an integer, got 2.5/);
    assert.throws(() => make('bp', model, { epsilon: 1e-3 }), /^RangeError: method bp takes no option 'epsilon' \(--epsilon\); it takes no options/);
  });

  test('spsa divides by the step θ ± εz actually took in float32, and refuses an ε that cannot move θ', async () => {
    const spsa = createEstimator('spsa', { oracle: identity, seed: 0 }, { epsilon: 1e-4, directions: 1 });
    // At θ = 1000 float32's spacing is 6.1e-5: θ + 1e-4 rounds to θ + 1.22e-4. The naive quotient says 1.2207.
    const near = await estimateOnce(spsa, { params: Float32Array.of(1000), batch: oneExample, step: 0 });
    assert.ok(Math.abs(near.grad![0]! - 1) < 1e-6, `gradient ${near.grad![0]}`);
    assert.match(near.warnings?.[0] ?? '', /epsilon 0.0001 is close to float32's spacing at θ's magnitude: the applied steps differ from it by up to 22\.1%/);
    const far = createEstimator('spsa', { oracle: identity, seed: 0 }, { epsilon: 1e-3, directions: 1 });
    await assert.rejects(estimateOnce(far, { params: Float32Array.of(1e5), batch: oneExample, step: 0 }), /^RangeError: epsilon 0.001 is below float32's spacing at θ's magnitude: θ ± εz does not move θ along direction 0/);
  });
});
