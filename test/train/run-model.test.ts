import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCsv } from '../../src/data/csv.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { liveSessions } from '../../src/engine/runtime/onnxruntime.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { importRunModel } from '../../src/train/run-model.js';
import { CHECKPOINT_FILE, train } from '../../src/train/trainer.js';
import { ConfigError } from '../../src/train/validate.js';
import { allExamples, fileLoss, tinyProblem } from './tiny-onnx.js';

const runDir = () => mkdtemp(join(tmpdir(), 'fp-byo-run-'));

async function setup(activation: 'Relu' | 'Softplus' = 'Relu') {
  const problem = await tinyProblem(activation);
  const base: TrainConfig = { ...DEFAULT_CONFIG, dataset: `csv:${problem.csv}`, model: `onnx:${problem.model}`, batchSize: 16, epochs: 1, lr: 0 };
  const { test } = await loadCsv(problem.csv);
  return { ...problem, base, test: allExamples(test) };
}

describe('training imported models (onnx:<file>)', () => {
  test('a run starts from the file\'s weights and fine-tunes them forward-only', async () => {
    const { base, model, test: t } = await setup();
    const original = await fileLoss(await readFile(model), t.x, t.labels);
    const untouched = await train({ ...base, method: 'fg-a', steps: 1 });
    assert.ok(Math.abs(untouched.test_loss - original.loss) < 1e-5 * original.loss, `lr 0: ${untouched.test_loss} vs the file run by onnxruntime ${original.loss}`);
    assert.equal(untouched.parameters, 32 + 8 + 24 + 3);
    const tuned = await train({ ...base, method: 'fg-a', epochs: 10, lr: 3e-2 });
    assert.ok(tuned.test_acc >= 0.75 && tuned.test_acc > original.accuracy + 0.3, `fg-a: ${original.accuracy} → ${tuned.test_acc}`);
  });

  test('LoRA: only adapters train, resume rebuilds the same model, the merged file computes what the run evaluated', async () => {
    const { base, test: t } = await setup();
    const lora: TrainConfig = { ...base, method: 'fg-a', lr: 3e-2, epochs: 4, lora: { rank: 2, alpha: 4, targets: 'w*' } };
    const [whole, split] = [await runDir(), await runDir()];
    const summary = await train(lora, { out: whole });
    assert.equal(summary.parameters, 2 * (4 + 8) + 2 * (8 + 3), 'A [r, in] and B [out, r] for w1 (Gemm, transB) and w2 (MatMul)');
    await train({ ...lora, steps: 20 }, { out: split });
    await train(lora, { out: split, resume: true });
    const [a, b] = [await loadCheckpoint(join(whole, CHECKPOINT_FILE)), await loadCheckpoint(join(split, CHECKPOINT_FILE))];
    assert.deepEqual(b.params, a.params, 'resumed from the checkpoint config: the same adapted model, the same numbers');

    const run = (await importRunModel(lora))!;
    const merged = run.file(a.params);
    await run.dispose();
    const exported = await fileLoss(merged, t.x, t.labels);
    assert.ok(Math.abs(exported.loss - summary.test_loss) < 1e-5 * summary.test_loss, `merged file ${exported.loss} vs the run's test loss ${summary.test_loss}`);
    assert.equal(exported.accuracy, summary.test_acc);
    const original = readOnnx(await readFile(lora.model.slice('onnx:'.length)));
    const written = readOnnx(merged);
    for (const name of ['b1', 'b2']) assert.deepEqual(written.initializers.get(name)!.data, original.initializers.get(name)!.data, `${name} is no LoRA target`);
    assert.notDeepEqual(written.initializers.get('w1')!.data, original.initializers.get('w1')!.data, 'w1 + (α/r) B A merged');
  });

  test('a file with ops the importer does not map trains as a black box with loss-only methods, evaluated through its outputs', async () => {
    const { base, model, test: t } = await setup('Softplus');
    const original = await fileLoss(await readFile(model), t.x, t.labels);
    const lines: string[] = [];
    const untouched = await train({ ...base, method: 'spsa', steps: 1 }, { log: (line) => lines.push(line) });
    assert.ok(lines.some((l) => /does not map 1 node \('n1_Softplus' \(Softplus\)\): training it as a black box/.test(l)), lines.join('\n'));
    assert.ok(Math.abs(untouched.test_loss - original.loss) < 1e-5 * original.loss, `${untouched.test_loss} vs ${original.loss}`);
    const head = await train({ ...base, method: 'spsa', trainable: 'w2,b2', epochs: 10, lr: 3e-2 });
    assert.equal(head.parameters, 24 + 3);
    assert.ok(head.test_loss < 0.7 * original.loss, `spsa through the black box: loss ${original.loss} → ${head.test_loss}`);
    await assert.rejects(train({ ...base, method: 'fg-a' }), (e: unknown) => e instanceof ConfigError && e.field === 'method' && /black box.*use a loss-only method \(spsa, cge, [a-z, ]*\), not fg-a/.test(e.message));
    await assert.rejects(train({ ...base, method: 'spsa', lora: { rank: 1, targets: 'w2' } }), (e: unknown) => e instanceof ConfigError && e.field === 'lora');
    // Worker oracles (--workers) are built on a graph: a black box is refused before any is made.
    const workers = () => assert.fail('the worker oracle factory was called for a black box');
    await assert.rejects(train({ ...base, method: 'spsa', steps: 1 }, { oracle: workers }), (e: unknown) => e instanceof RangeError && /trains as a black box: worker processes evaluate model graphs/.test((e as Error).message));
  });

  test('a run that fails before its first step releases what it made (a black box kept its session after a bad --init)', async () => {
    const { base } = await setup('Softplus');
    const before = liveSessions();
    await assert.rejects(train({ ...base, method: 'spsa', steps: 1, init: '/nonexistent/checkpoint' }), /cannot read checkpoint \/nonexistent\/checkpoint/);
    assert.equal(liveSessions(), before);
  });

  test('what the file cannot take is a ConfigError naming the key, found before any data is read; data of another shape names both', async () => {
    const { base, dir } = await setup();
    const noData = { ...base, dataset: `csv:${join(dir, 'absent.csv')}`, method: 'fg-a' as const };
    await assert.rejects(train({ ...noData, trainable: 'head.*' }), (e: unknown) => e instanceof ConfigError && e.field === 'trainable' && /trainable glob 'head\.\*' matches no parameter; parameters: w1, b1, w2, b2/.test(e.message));
    await assert.rejects(train({ ...noData, lora: { rank: 2, targets: 'b1' } }), (e: unknown) => e instanceof ConfigError && e.field === 'lora' && /LoRA target 'b1' .* is not a matrix: it has shape \[8\]/.test(e.message));
    await assert.rejects(train({ ...noData, prompt: { tokens: 2 } }), (e: unknown) => e instanceof ConfigError && e.field === 'prompt' && /no token sequence/.test(e.message));
    await assert.rejects(train({ ...noData, model: 'mlp', trainable: 'w*' }), (e: unknown) => e instanceof ConfigError && e.field === 'trainable' && /trainable globs apply to imported models \(onnx:<file>\), not 'mlp'/.test(e.message));
    await assert.rejects(train({ ...noData, blackBox: true }), (e: unknown) => e instanceof ConfigError && e.field === 'method');
    const wide = join(dir, 'wide.csv');
    await writeFile(wide, 'a,b,c,d,e,label\n1,2,3,4,5,0\n2,3,4,5,6,1\n3,4,5,6,7,2\n4,5,6,7,8,0\n5,6,7,8,9,1\n');
    await assert.rejects(train({ ...base, dataset: `csv:${wide}`, method: 'fg-a' }), (e: unknown) => !(e instanceof ConfigError) && /model 'onnx:.*tiny-relu\.onnx' takes examples shaped \[4\], but the data's \(csv:.*wide\.csv\) are \[5\]/.test((e as Error).message));
  });
});
