import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { EstimatorName } from '../../src/estimators/registry.js';
import { encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE, METRICS_FILE, NonFiniteError, SUMMARY_FILE, train } from '../../src/train/trainer.js';

const config = (method: EstimatorName, overrides: Partial<TrainConfig> = {}): TrainConfig => ({
  ...DEFAULT_CONFIG,
  method,
  // The rates these thresholds were set with (fg-a's is below its later default).
  lr: method === 'spsa' || method === 'fg-w' ? 3e-3 : 1e-3,
  ...overrides,
});

const runDir = () => mkdtemp(join(tmpdir(), 'fp-train-'));

describe('training on the embedded MNIST reaches fixed accuracies (seeded)', () => {
  // Thresholds sit a few points under what these runs reach, so they catch a broken
  // estimator or optimiser without depending on the last digit of floating point.
  for (const [method, epochs, threshold] of [['bp', 2, 0.9], ['fg-a', 3, 0.82], ['spsa', 2, 0.55]] as const) {
    test(`${method}, ${epochs} epochs: test accuracy ≥ ${threshold}`, async () => {
      const summary = await train(config(method, { epochs }));
      assert.ok(summary.test_acc >= threshold, `${method} reached ${summary.test_acc}`);
      assert.equal(summary.steps, epochs * 125);
      assert.equal(summary.stopped, 'epochs');
    });
  }
});

describe('runs are reproducible and resumable', () => {
  test('the same seed gives the same numbers; another seed does not', async () => {
    const short = config('fg-a', { steps: 40 });
    const [a, b, c] = [await train(short), await train(short), await train({ ...short, seed: 1 })];
    assert.deepEqual({ ...a, peak_rss_mb: 0 }, { ...b, peak_rss_mb: 0, wall_s: a.wall_s, eval_s: a.eval_s });
    assert.notEqual(a.test_loss, c.test_loss);
  });

  test('resuming from a checkpoint continues exactly where the run stopped, mid-epoch too', async () => {
    const full = await runDir();
    const split = await runDir();
    const base = config('fg-a', { epochs: 2 });
    await train(base, { out: full });
    await train({ ...base, queries: 100 * 64 }, { out: split });
    const stopped = await loadCheckpoint(join(split, CHECKPOINT_FILE));
    assert.deepEqual([stopped.progress.epoch, stopped.progress.batch, stopped.progress.step], [0, 100, 100]);
    await train(base, { out: split, resume: true });
    const [x, y] = [await loadCheckpoint(join(full, CHECKPOINT_FILE)), await loadCheckpoint(join(split, CHECKPOINT_FILE))];
    assert.deepEqual(y.params, x.params, 'same parameters after 2 epochs');
    assert.equal(y.progress.step, 250);
    const lines = (await readFile(join(split, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((m) => m.step), [100, 125, 250]);
    // The epoch the pause cut reports its whole mean training loss (it reported the resumed steps' alone).
    const whole = (await readFile(join(full, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(1).map((m) => [m.step, m.loss]), whole.map((m) => [m.step, m.loss]));
    assert.equal(JSON.parse(await readFile(join(split, SUMMARY_FILE), 'utf8')).stopped, 'epochs');
  });

  // onnxruntime's sums depend on the intra-op threads (784-100-10's do): a resume that took
  // the machine's default instead of the run's count left the run's trajectory.
  test('a resume keeps the threads the run recorded, and says so when told other ones', async () => {
    const [full, split] = [await runDir(), await runDir()];
    const base = config('bp', { model: 'mlp:784-100-10', steps: 20 });
    const one = await train({ ...base, threads: 1 }, { out: full });
    await train({ ...base, threads: 1, steps: 8 }, { out: split });
    const resumed = await train(base, { out: split, resume: true });
    assert.equal(resumed.threads, 1);
    assert.equal(resumed.test_loss, one.test_loss);
    assert.deepEqual((await loadCheckpoint(join(split, CHECKPOINT_FILE))).params, (await loadCheckpoint(join(full, CHECKPOINT_FILE))).params);
    const lines: string[] = [];
    await train({ ...base, threads: 2, steps: 30 }, { out: split, resume: true, log: (line) => lines.push(line) });
    assert.ok(lines.some((l) => /resuming with 2 intra-op threads where the run used 1/.test(l)), lines.join('\n'));
  });

  // softmax learns from running statistics; flops also draws its allocations and pays a loss pilot (one query per example).
  for (const [allocator, pilot] of [['softmax', 0], ['flops', 1]] as const) {
  test(`resume is exact with learned estimator and allocator state (lr noise scales, ${allocator} allocator)`, async () => {
    const [full, split] = [await runDir(), await runDir()];
    // A budget pauses the plan; this one falls on a step boundary (the 63rd batch holds 64 examples).
    const base = config('lr', { epochs: 2, allocator, queriesPerExample: 6, batchSize: 128 });
    await train(base, { out: full });
    await train({ ...base, queries: 69 * 128 * (6 + pilot) + 64 * (6 + pilot) }, { out: split });
    await train(base, { out: split, resume: true });
    const [x, y] = [await loadCheckpoint(join(full, CHECKPOINT_FILE)), await loadCheckpoint(join(split, CHECKPOINT_FILE))];
    assert.deepEqual(y.params, x.params);
    assert.deepEqual(y.extras, x.extras);
    assert.ok(x.extras?.estimator && x.extras.allocator, 'both states are checkpointed');
    assert.equal(y.progress.queries, x.progress.queries);
  });
  }

  test('a run refuses to overwrite another, and resume refuses a different configuration', async () => {
    const dir = await runDir();
    await train(config('bp', { steps: 5 }), { out: dir });
    await assert.rejects(train(config('bp', { steps: 5 }), { out: dir }), /already holds a run .* --resume/);
    await assert.rejects(train(config('spsa', { steps: 10 }), { out: dir, resume: true }), /cannot resume: .*method: checkpoint "bp", now "spsa"/);
  });

  test('a run that fails before writing anything leaves no directory it made; one that wrote keeps its files', async () => {
    const parent = await runDir();
    const failing = { name: 'fails', init: () => ({}), afterEstimate: () => { throw new Error('hook failed at the first step'); } };
    const fresh = join(parent, 'fresh');
    await assert.rejects(train(config('bp', { steps: 5 }), { out: fresh, hooks: [failing] }), /hook failed at the first step/);
    assert.equal(existsSync(fresh), false, 'the empty run directory is removed');
    assert.equal(existsSync(parent), true, 'a directory that was there is kept');
    const used = join(parent, 'used');
    await train(config('bp', { steps: 5 }), { out: used });
    await assert.rejects(train(config('bp', { steps: 10 }), { out: used, resume: true, hooks: [failing] }), /hook failed/);
    assert.equal(existsSync(join(used, CHECKPOINT_FILE)), true, 'an earlier run\'s files stay');
  });

  test('a NaN loss stops the run with a clear message and keeps the last checkpoint untouched', async () => {
    const dir = await runDir();
    await train(config('bp', { steps: 5 }), { out: dir });
    const path = join(dir, CHECKPOINT_FILE);
    const good = await loadCheckpoint(path);
    const poisoned = good.params.slice();
    poisoned[0] = Number.NaN;
    await saveCheckpoint(path, { ...good, params: poisoned });
    const before = await readFile(path);
    await assert.rejects(train(config('bp', { steps: 10 }), { out: dir, resume: true }), (e: unknown) => {
      assert.ok(e instanceof NonFiniteError);
      assert.match(e.message, /^step 5 \(epoch 1, batch 6\): the loss is NaN; stopping, the last good checkpoint is .*checkpoint\.fpck/);
      return true;
    });
    assert.deepEqual(await readFile(path), before, 'the checkpoint is not overwritten');
    assert.deepEqual(encodeCheckpoint({ ...good, params: poisoned }), new Uint8Array(before));
  });
});
