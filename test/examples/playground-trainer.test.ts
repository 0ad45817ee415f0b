import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { CHECKPOINT_FILE, train } from '../../src/train/trainer.js';
import { referenceRun } from './playground-reference.js';

test("the playground's run is forwardprop train's with a constant schedule, bit for bit (same seeds, batches and update)", async () => {
  const out = await mkdtemp(join(tmpdir(), 'forwardprop-playground-trainer-'));
  try {
    await train({ ...DEFAULT_CONFIG, model: 'mlp:784-32-10', method: 'fg-a', lr: 0.003, schedule: 'constant', seed: 5, steps: 12 }, { out });
    const trained = await loadCheckpoint(join(out, CHECKPOINT_FILE));
    assert.equal(trained.progress.step, 12);
    const reference = await referenceRun({ method: 'fg-a', hidden: [32], batchSize: 64, lr: 0.003, seed: 5, steps: 12 });
    assert.ok(Buffer.from(trained.params.buffer, trained.params.byteOffset, trained.params.byteLength).equals(Buffer.from(reference.params.buffer, reference.params.byteOffset, reference.params.byteLength)));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
