import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';

const sample = {
  config: { method: 'fg-a', lr: 0.001 },
  progress: { epoch: 2, batch: 5, step: 255, updates: 255, queries: 16320, seconds: 3.5 },
  params: Float32Array.from([1, -2, 3.5, Number.MIN_VALUE]),
  optimizer: { json: [{ mu: { f32: 0 }, count: 7 }], buffers: [Float32Array.from([0.25, 0.5, 0.75, 1])] },
  extras: {
    estimator: { json: [{ f32: 0 }, { f32: 1 }], buffers: [Float32Array.of(-4.6), Float32Array.of(1, 2, 3)] },
    allocator: { json: { theta: { f32: 0 } }, buffers: [Float32Array.of(0.5, -0.25)] },
  },
};

test('a checkpoint round-trips exactly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fp-ckpt-'));
  const path = join(dir, 'run.fpck');
  await saveCheckpoint(path, sample);
  const back = await loadCheckpoint(path);
  assert.deepEqual(back.config, sample.config);
  assert.deepEqual(back.progress, sample.progress);
  assert.deepEqual(back.params, sample.params);
  assert.deepEqual(back.optimizer.json, sample.optimizer.json);
  assert.deepEqual(back.optimizer.buffers, sample.optimizer.buffers);
  assert.deepEqual(back.extras, sample.extras);
});

test('truncated, padded, corrupt and foreign files are named and refused', async () => {
  const bytes = encodeCheckpoint(sample);
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 9), 'a.fpck'), /checkpoint a\.fpck is unusable: truncated or padded: expected \d+ bytes, found \d+/);
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, 20), 'a.fpck'), /truncated: the header alone needs/);
  const flipped = bytes.slice();
  flipped[flipped.length - 10]! ^= 1;
  assert.throws(() => decodeCheckpoint(flipped, 'a.fpck'), /checksum mismatch/);
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode('hello world, not a checkpoint'), 'b.fpck'), /not a forwardprop checkpoint/);
  const dir = await mkdtemp(join(tmpdir(), 'fp-ckpt-'));
  await assert.rejects(loadCheckpoint(join(dir, 'missing.fpck')), /cannot read checkpoint .*missing\.fpck: no such file/);
  await writeFile(join(dir, 'short.fpck'), bytes.subarray(0, 100));
  await assert.rejects(loadCheckpoint(join(dir, 'short.fpck')), /short\.fpck is unusable/);
  assert.equal((await readFile(join(dir, 'short.fpck'))).length, 100, 'reading never modifies the file');
});
