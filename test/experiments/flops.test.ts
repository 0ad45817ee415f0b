import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ALLOCATION_JSON, ALLOCATION_MD, ALLOCATION_SVG, runAllocationExperiment } from '../../src/experiments/allocation.js';
import { FINETUNE_JSON, runFinetuneExperiment } from '../../src/experiments/finetune.js';
import { MULTIMODAL_SVG, type MultimodalRow, runMultimodalExperiment } from '../../src/experiments/multimodal.js';
import { PROMPT_JSON, runPromptExperiment } from '../../src/experiments/prompt.js';
import { readExperimentResult } from '../../src/report/result.js';

const dir = () => mkdtemp(join(tmpdir(), 'fp-flops-'));

test('allocation experiment (tiny): an error table per estimator and allocator, curves and their plot', async () => {
  const out = await dir();
  const { mse, curves } = await runAllocationExperiment({
    dataset: 'mnist', model: 'mlp:784-16-10', out, estimators: ['fg-a', 'lr'], allocators: ['uniform', 'flops'], statistics: ['running', 'fresh'],
    pretrainSteps: 20, warmup: 3, repetitions: 4, batchSize: 16, epochs: 1, curveSteps: 30, evalEvery: 10,
  });
  assert.deepEqual(mse.map((r) => `${r.estimator}/${r.allocator}`), ['fg-a/uniform', 'fg-a/flops (running)', 'fg-a/flops (fresh)', 'lr/uniform', 'lr/flops (running)', 'lr/flops (fresh)']);
  assert.ok(mse.every((r) => r.mse > 0 && Number.isFinite(r.relative)) && mse[0]!.relative === 1);
  // 8 queries per example on 16 examples; fresh statistics add the pilot's query per example.
  assert.deepEqual(mse.map((r) => r.queries), [128, 128, 144, 128, 128, 144]);
  assert.deepEqual(curves.map((c) => c.points.length), [3, 3, 3]);
  assert.match(await readFile(join(out, ALLOCATION_SVG), 'utf8'), /^<svg [^>]*>[\s\S]*flops \(fresh\)[\s\S]*<\/svg>\n$/);
  assert.match(await readFile(join(out, ALLOCATION_MD), 'utf8'), /\| fg-a \| flops \(fresh\) \| [\d.e+-]+ \| [\d.]+ \| 144 \|/);
  assert.equal(JSON.parse(await readFile(join(out, ALLOCATION_JSON), 'utf8')).mse.length, 6);
  const result = await readExperimentResult(out);
  assert.deepEqual([result.kind, result.tables.map((t) => t.rows.length), result.charts.length], ['allocation', [6, 3], 1], 'result.json for forwardprop report');
  await assert.rejects(runAllocationExperiment({ dataset: 'mnist', model: 'mlp:784-16-10', out, allocators: ['neyman'] }), /allocators must include uniform/);
});

test('prompt tuning (tiny): a black-box prompt moves corrupted accuracy, at equal budgets per allocator (flops pays its pilot)', async () => {
  const out = await dir();
  const { clean, corrupted, rows } = await runPromptExperiment({ out, pretrainSteps: 60, steps: 12, examples: 64, batchSize: 16, allocators: ['uniform', 'flops'] });
  assert.ok(clean > corrupted, `clean ${clean} vs corrupted ${corrupted}`);
  assert.equal(rows[0]!.queries, 12 * 16 * 16);
  assert.equal(rows[1]!.queries, 12 * 16 * (16 + 1), 'one loss query per example and step through the black box');
  assert.ok(rows.every((r) => r.test_acc > 0 && r.test_acc <= 1));
  assert.equal(JSON.parse(await readFile(join(out, PROMPT_JSON), 'utf8')).rows.length, 2);
});

test('fine-tuning (tiny): backprop on 0–4, forward-only on 5–9, with and without allocation', async () => {
  const out = await dir();
  const { before, rows } = await runFinetuneExperiment({ out, model: 'mlp:784-32-10', pretrainEpochs: 1, epochs: 1, allocators: ['uniform'] });
  assert.equal(before, 0, 'a model trained on 0–4 never predicts 5–9');
  assert.deepEqual(rows.map((r) => r.allocator), ['none', 'uniform']);
  assert.ok(rows.every((r) => r.test_acc > 0.5), JSON.stringify(rows));
  assert.ok(rows[1]!.queries > rows[0]!.queries, 'the allocators spend more queries per example than fg-a alone');
  assert.equal(JSON.parse(await readFile(join(out, FINETUNE_JSON), 'utf8')).rows.length, 2);
});

test('multimodal alignment (tiny): a black-box encoder, a text side trained forward-only per allocator, zero-shot accuracy', async () => {
  const out = await dir();
  const encoder = fileURLToPath(new URL('../../../test/fixtures/models/mlp.onnx', import.meta.url));
  const { rows, markdown } = await runMultimodalExperiment({ encoder, out, examples: 512, steps: 40, batchSize: 32, evalEvery: 20, allocators: ['uniform', 'flops'] });
  assert.deepEqual(rows.map((r) => r.run), ['untrained', 'bp (reference)', 'uniform', 'flops']);
  const [untrained, bp, uniform, flops] = rows as [MultimodalRow, MultimodalRow, MultimodalRow, MultimodalRow];
  assert.ok(untrained.zeroShot < 0.2, `untrained ${untrained.zeroShot}`);
  assert.ok(bp.zeroShot > 0.4 && uniform.zeroShot > untrained.zeroShot + 0.05, `bp ${bp.zeroShot}, uniform ${uniform.zeroShot}`);
  // SPSA at 8 queries per example; flops adds its pilot's loss query per example, and an
  // uneven allocation lays SPSA's pairs out as directions × slots, computing a few padding slots.
  assert.equal(uniform.queries, 40 * 32 * 8);
  assert.ok(flops.queries >= 40 * 32 * 9 && flops.queries < 1.05 * 40 * 32 * 9, `flops: ${flops.queries} queries`);
  assert.deepEqual(uniform.curve.map((p) => p.queries), [20 * 32 * 8, 40 * 32 * 8]);
  assert.match(markdown, new RegExp(`\\| flops \\| [\\d.]+% \\| [\\d.]+% \\| ${flops.queries.toLocaleString('en-US')} \\|`));
  const result = await readExperimentResult(out);
  assert.deepEqual([result.kind, result.tables[0]!.rows.length, result.charts.length], ['multimodal', 4, 1]);
  assert.match(await readFile(join(out, MULTIMODAL_SVG), 'utf8'), /^<svg /);
});
