import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDataset } from '../../src/data/dataset.js';
import { inputStatistics, normalizeSplit } from '../../src/data/normalize.js';
import { trainingData } from '../../src/train/trainer.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { assertAllClose } from '../helpers.js';

/** Two-channel 1×2 images: channel 0 holds 1, 3 (train) and channel 1 holds 10, 30. */
const image = (name: string, values: number[]) => createDataset({ name, inputShape: [2, 1, 2], classes: 2, x: Float32Array.from(values), y: Int32Array.from([0, 1]) });

test('statistics are per channel, over examples and positions; both splits are scaled by the training split', () => {
  const train = image('train', [1, 3, 10, 30, 3, 1, 30, 10]);
  const test = image('test', [2, 2, 20, 20, 5, 5, 50, 50]);
  const { mean, std } = inputStatistics(train);
  assertAllClose(mean, [2, 20]);
  assertAllClose(std, [1, 10]);
  const split = normalizeSplit({ train, test });
  assertAllClose(split.train.x, [-1, 1, -1, 1, 1, -1, 1, -1]);
  // The test split is shifted by the training mean, not its own: (2 − 2)/1, (20 − 20)/10, (5 − 2)/1, (50 − 20)/10.
  assertAllClose(split.test.x, [0, 0, 0, 0, 3, 3, 3, 3]);
  assert.deepEqual(split.train.y, train.y);
});

test('a flat example shape is one channel; a constant channel is refused', () => {
  const flat = createDataset({ name: 'flat', inputShape: [2], classes: 2, x: Float32Array.of(0, 2, 4, 6), y: Int32Array.from([0, 1]) });
  assertAllClose(inputStatistics(flat).mean, [3]);
  const constant = image('constant', [1, 3, 5, 5, 3, 1, 5, 5]);
  assert.throws(() => inputStatistics(constant), /channel 1 of 'constant' is constant \(5\)/);
});

test('train --normalize standardises MNIST: training inputs have mean 0 and std 1', async () => {
  const { train } = await trainingData({ ...DEFAULT_CONFIG, normalize: true });
  const { mean, std } = inputStatistics(train);
  assertAllClose(mean, [0], { atol: 1e-5 });
  assertAllClose(std, [1], { rtol: 1e-5 });
});
