import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDataset } from '../../src/data/dataset.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { sgd } from '../../src/optim/aliases.js';
import { initTrainState, runSteps } from '../../src/train/step.js';

test('runSteps continues from the state\'s epoch and batch: split runs equal one run, bit for bit', async () => {
  // Seven examples, each pulling θ towards its own input: the batches' order shows in θ.
  const data = createDataset({ name: 'pull', inputShape: [2], classes: 1, x: Float32Array.from({ length: 14 }, (_, i) => Math.sin(i)), y: new Int32Array(7) });
  const oracle = new BlackBoxLossOracle(2, async ({ params, examples, batch }) =>
    Float32Array.from(examples, (e, q) => (params[2 * q]! - batch.x.data[2 * e]!) ** 2 + (params[2 * q + 1]! - batch.x.data[2 * e + 1]!) ** 2),
  );
  const stepper = { estimator: createEstimator('rgf', { oracle, seed: 1 }, { directions: 2 }), optimizer: sgd(0.1) };
  const options = { batchSize: 3, seed: 4 };
  const whole = await runSteps(stepper, initTrainState(stepper, new Float32Array(2), 7), data, { ...options, steps: 8 });
  let split = await runSteps(stepper, initTrainState(stepper, new Float32Array(2), 7), data, { ...options, steps: 2 });
  assert.deepEqual([split.progress.epoch, split.progress.batch], [0, 2]);
  split = await runSteps(stepper, split, data, { ...options, steps: 3 });
  // Three batches an epoch: the third step ends epoch 0, the next call starts epoch 1.
  assert.deepEqual([split.progress.epoch, split.progress.batch], [0, 3]);
  split = await runSteps(stepper, split, data, { ...options, steps: 8 });
  assert.deepEqual([whole.progress.epoch, whole.progress.batch, whole.progress.step], [2, 2, 8]);
  assert.deepEqual(split.params, whole.params);
  assert.deepEqual(split.progress, { ...whole.progress, seconds: split.progress.seconds });
});
