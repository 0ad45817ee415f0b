import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { landscapeOfRun } from '../../src/experiments/landscape.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

// onnxruntime's sums depend on the intra-op threads (784-100-10's do). With --workers the
// surface ran on one thread per worker while the Hessian took the default: neither then
// matched a one-process run of any --threads.
test('a landscape on worker threads is a one-process landscape with --threads 1, surface and Hessian', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fp-landscape-workers-'));
  try {
    const run = join(dir, 'run');
    await train({ ...DEFAULT_CONFIG, method: 'bp', model: 'mlp:784-100-10', lr: 0.001, steps: 3 }, { out: run });
    const common = { dims: 1 as const, points: 5, examples: 64, hessianIterations: 3 };
    const pooled = await landscapeOfRun(run, { ...common, out: join(dir, 'pooled'), workers: 2 });
    const single = await landscapeOfRun(run, { ...common, out: join(dir, 'single'), compile: { threads: 1 } });
    assert.deepEqual(pooled.landscape.values, single.landscape.values);
    assert.deepEqual(pooled.hessian, single.hessian);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
