import assert from 'node:assert/strict';
import { readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJsonLinesLeniently } from '../../src/io/json-lines.js';
import { isRunDirectory, readRun } from '../../src/report/run-record.js';
import { STEPS_FILE } from '../../src/train/trainer.js';
import { readCheckpointHeader, saveCheckpoint } from '../../src/train/checkpoint.js';
import { CHECKPOINT_FILE, METRICS_FILE, SUMMARY_FILE } from '../../src/train/trainer.js';
import { epochMetrics, tempDir, writeRun } from './fixtures.js';

test('JSON lines, read leniently for the report: complete lines are kept, a torn last line and a bad middle line are dropped and named', async () => {
  const dir = await tempDir();
  const path = join(dir, 'm.jsonl');
  await writeFile(path, '{"a":1}\n{"a":2}\n');
  assert.deepEqual(await readJsonLinesLeniently(path), { records: [{ a: 1 }, { a: 2 }], dropped: [] });

  await writeFile(path, '{"a":1}\n{"a":2}\n{"a":3,"b');
  const torn = await readJsonLinesLeniently(path);
  assert.deepEqual(torn.records, [{ a: 1 }, { a: 2 }]);
  assert.equal(torn.dropped.length, 1);
  assert.match(torn.dropped[0]!, /m\.jsonl: dropped line 3 \(9 bytes\): torn last line without its newline/);

  await writeFile(path, '{"a":1}\nnot json\n{"a":4}\n');
  const bad = await readJsonLinesLeniently(path);
  assert.deepEqual(bad.records, [{ a: 1 }, { a: 4 }]);
  assert.equal(bad.dropped.length, 1);
  assert.match(bad.dropped[0]!, /dropped line 2 \(8 characters\): not a JSON value/);

  await assert.rejects(readJsonLinesLeniently(join(dir, 'missing.jsonl')), { code: 'ENOENT' });
});

test('a complete run: metrics, steps, summary and the checkpoint header (read without its buffers)', async () => {
  const dir = await writeRun(join(await tempDir(), 'run'), { stepsEvery: 10 });
  const run = await readRun(dir);
  assert.deepEqual(run.problems, []);
  assert.deepEqual(run.metrics, epochMetrics(3));
  assert.equal(run.steps.length, 30);
  assert.deepEqual(run.steps[1], { step: 20, queries: 1280, seconds: 0.1, loss: 2 / 1.4, lr: 0.001 });
  assert.equal(run.summary?.test_acc, epochMetrics(3)[2]!.test_acc);
  const size = (await stat(join(dir, CHECKPOINT_FILE))).size;
  assert.deepEqual(run.checkpoint?.progress, { epoch: 3, batch: 0, step: 300, updates: 300, queries: 19200, seconds: 1.5 });
  assert.equal(run.checkpoint?.config.dataset, 'mnist');
  assert.equal(run.checkpoint?.bytes, size);
  assert.equal(run.checkpoint?.expectedBytes, size, 'the size the header implies is the real file size');
  assert.ok(await isRunDirectory(dir));
  assert.equal(await isRunDirectory(await tempDir()), false);
  assert.equal(await isRunDirectory(join(dir, 'nowhere')), false);
});

test('a crashed run: torn metrics line, truncated checkpoint, no summary → data kept, each problem named', async () => {
  const dir = await writeRun(join(await tempDir(), 'crashed'), { summary: false });
  await writeFile(join(dir, METRICS_FILE), `${await readFile(join(dir, METRICS_FILE), 'utf8')}{"epoch":4,"step":4`);
  await writeFile(join(dir, STEPS_FILE), '{"step":10,"queries":640,"seconds":0.1,"loss":null}\n{"step":"x"}\n');
  const checkpoint = join(dir, CHECKPOINT_FILE);
  const size = (await stat(checkpoint)).size;
  await truncate(checkpoint, size - 100);
  const run = await readRun(dir);
  assert.equal(run.metrics.length, 3, 'the three complete epochs are kept');
  assert.ok(Number.isNaN(run.steps[0]!.loss), 'a null loss reads as NaN');
  assert.equal(run.steps.length, 1);
  assert.equal(run.checkpoint?.config.method, 'fg-a', 'the header of a truncated checkpoint is still read');
  const problems = run.problems.join('\n');
  assert.match(problems, /metrics\.jsonl: dropped line 4 .*torn last line/);
  assert.match(problems, /steps\.jsonl: dropped record 2: no numeric step, queries and seconds/);
  assert.match(problems, new RegExp(`checkpoint\\.fpck is truncated or padded \\(${size - 100} bytes, its header implies ${size}\\)`));
  assert.match(problems, /no summary\.json/);
  assert.equal(run.problems.length, 4);
});

test('a run without metrics and with a corrupt or missing checkpoint: no curves, configuration unknown, labelled', async () => {
  const dir = await writeRun(join(await tempDir(), 'early'));
  await rm(join(dir, METRICS_FILE));
  await writeFile(join(dir, CHECKPOINT_FILE), 'FPCKPT01\x40\x00\x00\x00{"config":{"data');
  let run = await readRun(dir);
  assert.deepEqual(run.metrics, []);
  assert.equal(run.checkpoint, undefined);
  assert.match(run.problems.join('\n'), /no metrics\.jsonl: no epoch has finished/);
  assert.match(run.problems.join('\n'), /checkpoint\.fpck: truncated inside its header .*: the run's configuration is unknown/);

  await writeFile(join(dir, CHECKPOINT_FILE), 'hello, not a checkpoint at all');
  await assert.rejects(readCheckpointHeader(join(dir, CHECKPOINT_FILE)), /not a forwardprop checkpoint/);
  await rm(join(dir, CHECKPOINT_FILE));
  await writeFile(join(dir, SUMMARY_FILE), '{"method":');
  run = await readRun(dir);
  assert.match(run.problems.join('\n'), /no checkpoint\.fpck: the run's configuration is unknown/);
  assert.match(run.problems.join('\n'), /summary\.json is unreadable/);
  assert.ok(await isRunDirectory(dir), 'a summary alone still marks a run directory');
});

test('the size a checkpoint header implies counts the optimiser and extras buffers', async () => {
  const path = join(await tempDir(), CHECKPOINT_FILE);
  const progress = { epoch: 1, batch: 3, step: 40, updates: 40, queries: 2560, seconds: 0.7 };
  await saveCheckpoint(path, {
    config: { dataset: 'fashion-mnist', classes: [5, 6] }, progress, params: new Float32Array(7),
    optimizer: { json: [{ f32: 0 }, { f32: 1 }], buffers: [new Float32Array(7), new Float32Array(7)] },
    extras: { allocator: { json: { theta: { f32: 0 } }, buffers: [new Float32Array(11)] } },
  });
  const header = await readCheckpointHeader(path);
  assert.deepEqual([header.config, header.progress], [{ dataset: 'fashion-mnist', classes: [5, 6] }, progress]);
  assert.equal(header.bytes, (await stat(path)).size);
  assert.equal(header.expectedBytes, header.bytes);
});
