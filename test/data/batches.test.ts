import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DatasetBatch, batchCount, batches, epochOrder } from '../../src/data/batches.js';
import { createDataset, createRegressionDataset } from '../../src/data/dataset.js';

/** 103 examples of shape [1, 3]: row i holds i, i + 0.25, i + 0.5; label i mod 4. */
const data = createDataset({
  name: 'rows',
  inputShape: [1, 3],
  classes: 4,
  x: Float32Array.from({ length: 103 * 3 }, (_, k) => Math.floor(k / 3) + (k % 3) / 4),
  y: Int32Array.from({ length: 103 }, (_, i) => i % 4),
});

function order(list: readonly { readonly indices: Int32Array }[]): number[] {
  return list.flatMap((b) => Array.from(b.indices));
}

test('each batch holds the rows and labels of its indices, shaped [b, ...inputShape] and [b]', () => {
  const list = [...batches(data, { batchSize: 10, seed: 1, epoch: 0 })];
  assert.equal(list.length, 11);
  for (const [n, b] of list.entries()) {
    const size = n < 10 ? 10 : 3;
    assert.equal(b.x.dtype, 'float32');
    assert.deepEqual(b.x.shape, [size, 1, 3]);
    assert.equal(b.y.dtype, 'int64');
    assert.deepEqual(b.y.shape, [size]);
    b.indices.forEach((i, r) => {
      assert.deepEqual(Array.from(b.x.data.subarray(3 * r, 3 * r + 3)), [i, i + 0.25, i + 0.5]);
      assert.equal(b.y.data[r], BigInt(i % 4));
    });
  }
});

test('an epoch visits every example exactly once, in an order set by (seed, epoch) alone', () => {
  const epoch = (seed: number, e: number) => order([...batches(data, { batchSize: 16, seed, epoch: e })]);
  const first = epoch(7, 0);
  assert.deepEqual([...first].sort((a, b) => a - b), Array.from({ length: 103 }, (_, i) => i));
  assert.deepEqual(epoch(7, 0), first);
  assert.deepEqual(first, Array.from(epochOrder(103, 7, 0)));
  assert.notDeepEqual(epoch(7, 1), first);
  assert.notDeepEqual(epoch(8, 0), first);
  assert.deepEqual([...epoch(7, 1)].sort((a, b) => a - b), [...first].sort((a, b) => a - b));
});

test('startBatch resumes an epoch exactly where it stopped', () => {
  const full = [...batches(data, { batchSize: 16, seed: 3, epoch: 2 })];
  for (const start of [0, 1, 5, 6, 7]) {
    const resumed = [...batches(data, { batchSize: 16, seed: 3, epoch: 2, startBatch: start })];
    assert.equal(resumed.length, full.length - start);
    resumed.forEach((b, k) => {
      assert.deepEqual(b.indices, full[start + k]!.indices);
      assert.deepEqual(b.x.data, full[start + k]!.x.data);
    });
  }
  assert.throws(() => batches(data, { batchSize: 16, seed: 3, epoch: 2, startBatch: 8 }), {
    name: 'RangeError',
    message: "startBatch must be an integer in [0, 7] (batches per epoch of 'rows'), got 8",
  });
});

test('dropLast drops only a short final batch', () => {
  assert.equal(batchCount(103, 10), 11);
  assert.equal(batchCount(103, 10, true), 10);
  assert.equal(batchCount(100, 10, true), 10);
  const kept = [...batches(data, { batchSize: 10, seed: 1, epoch: 0, dropLast: true })];
  assert.equal(kept.length, 10);
  assert.ok(kept.every((b) => b.indices.length === 10));
  assert.deepEqual(order(kept), order([...batches(data, { batchSize: 10, seed: 1, epoch: 0 })]).slice(0, 100));
  assert.equal([...batches(data, { batchSize: 200, shuffle: false, dropLast: true })].length, 0);
});

test('shuffle: false yields the examples in dataset order without a seed', () => {
  assert.deepEqual(order([...batches(data, { batchSize: 25, shuffle: false })]), Array.from({ length: 103 }, (_, i) => i));
});

test('every batch owns its buffers, so a held batch survives the next one', () => {
  const it = batches(data, { batchSize: 4, shuffle: false });
  const a = it.next().value as DatasetBatch;
  const snapshot = Array.from(a.x.data);
  const b = it.next().value as DatasetBatch;
  assert.notEqual(a.x.data.buffer, b.x.data.buffer);
  assert.notEqual(a.indices.buffer, b.indices.buffer);
  assert.deepEqual(Array.from(a.x.data), snapshot);
  b.x.data[0] = -1;
  assert.equal(data.x[12], 4, 'batches must copy rows, not view the dataset');
});

test('batches validates its options before the first batch is drawn', () => {
  assert.throws(() => batches(data, { batchSize: 0, seed: 1, epoch: 0 }), { name: 'RangeError', message: /^batchSize must be a positive integer/ });
  assert.throws(() => batches(data, { batchSize: 2.5, seed: 1, epoch: 0 }), { name: 'RangeError', message: /^batchSize/ });
  assert.throws(() => batches(data, { batchSize: 8, seed: 1, epoch: -1 }), { name: 'RangeError', message: /^epoch must be a non-negative integer/ });
  assert.throws(() => batches(data, { batchSize: 8, seed: 1, epoch: 0, startBatch: -1 }), { name: 'RangeError', message: /^startBatch/ });
  assert.throws(() => batches(data, { batchSize: 8 } as never), { name: 'TypeError', message: 'seed and epoch are required when shuffle is true' });
});

test('a regression dataset yields float32 targets [b] or [b, k] beside its rows, in the same order as labels would', () => {
  for (const k of [undefined, 2]) {
    const perExample = k ?? 1;
    const regression = createRegressionDataset({
      name: 'r',
      inputShape: [1, 3],
      targetShape: k === undefined ? [] : [k],
      x: data.x,
      targets: Float32Array.from({ length: 103 * perExample }, (_, j) => Math.floor(j / perExample) * 10 + (j % perExample) + 0.5),
    });
    const list = [...batches(regression, { batchSize: 10, seed: 1, epoch: 3 })];
    assert.deepEqual(order(list), order([...batches(data, { batchSize: 10, seed: 1, epoch: 3 })]));
    for (const b of list) {
      assert.equal(b.y.dtype, 'float32');
      assert.deepEqual(b.y.shape, k === undefined ? [b.indices.length] : [b.indices.length, k]);
      b.indices.forEach((i, r) => {
        assert.deepEqual(Array.from(b.x.data.subarray(3 * r, 3 * r + 3)), [i, i + 0.25, i + 0.5]);
        assert.deepEqual(Array.from(b.y.data.subarray(perExample * r, perExample * (r + 1))), Array.from({ length: perExample }, (_, t) => i * 10 + t + 0.5));
      });
    }
  }
});
