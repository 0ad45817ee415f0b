import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LETTERS, letters7x7 } from '../../src/data/letters.js';
import { loadDataset, parseDatasetSpec } from '../../src/data/load.js';
import { parity } from '../../src/data/parity.js';

test('parity: all 2ⁿ inputs, the target is 1 for an odd number of ones; train and test are the same table', async () => {
  const { train, test: held } = parity(3);
  assert.equal(train, held);
  assert.equal(train.size, 8);
  assert.deepEqual([...train.x.subarray(5 * 3, 6 * 3)], [1, 0, 1]);
  assert.deepEqual([...train.targets], [0, 1, 1, 0, 1, 0, 0, 1]);
  assert.deepEqual(parseDatasetSpec('parity:4'), { kind: 'parity', task: 'regression', bits: 4 });
  assert.deepEqual(parseDatasetSpec('xor'), { kind: 'parity', task: 'regression', bits: 2 });
  const xor = await loadDataset('xor', { task: 'regression' });
  assert.deepEqual([...xor.train.targets], [0, 1, 1, 0]);
  assert.equal((await loadDataset('parity:5', { task: 'regression' })).train.size, 32);
  for (const bad of ['parity:0', 'parity:17', 'parity:x', 'parity:']) assert.throws(() => parseDatasetSpec(bad), /parity takes 1 to 16 bits, as parity:<bits>/, bad);
  await assert.rejects(loadDataset('xor'), /dataset 'xor' is a regression dataset, but classification was asked for/);
});

test('letters7x7: noisy N, I, S, T, one-hot targets, fixed by the seed, train and test drawn apart', async () => {
  const { train, test: held } = letters7x7();
  assert.deepEqual(LETTERS, ['N', 'I', 'S', 'T']);
  assert.equal(train.size, 200);
  assert.deepEqual(train.inputShape, [1, 7, 7]);
  assert.deepEqual([...train.targets.subarray(4 * 2, 4 * 3)], [0, 0, 1, 0], 'example 2 is an S');
  assert.notDeepEqual(train.x, held.x);
  assert.deepEqual(letters7x7().train.x, train.x, 'the same set every time');
  // About 10% of the pixels differ from the template: here, T's first row is all ink.
  const clean = letters7x7({ flip: 0 }).train;
  assert.deepEqual([...clean.x.subarray(3 * 49, 3 * 49 + 7)], [1, 1, 1, 1, 1, 1, 1]);
  let flipped = 0;
  for (let i = 0; i < train.x.length; i++) flipped += train.x[i] !== clean.x[i] ? 1 : 0;
  assert.ok(Math.abs(flipped / train.x.length - 0.1) < 0.01, `${flipped / train.x.length} of the pixels flipped`);
  assert.deepEqual(parseDatasetSpec('letters7x7'), { kind: 'letters7x7', task: 'regression' });
  assert.equal((await loadDataset('letters7x7', { task: 'regression' })).test.size, 200);
  assert.throws(() => letters7x7({ flip: 0.5 }), /flip must be a probability in \[0, 0.5\)/);
});
