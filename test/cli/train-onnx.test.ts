import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCsv } from '../../src/data/csv.js';
import { withClasses } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { onnx } from '../../src/engine/onnx/onnx-proto.js';
import { MODELS } from '../nn/onnx-fixtures.js';
import { allExamples, fileLoss, tinyProblem } from '../train/tiny-onnx.js';
import { runCli } from './run-cli.js';

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;

describe('forwardprop train --model onnx:<file>, eval and export', () => {
  test('LoRA from flags: the run trains the adapters, eval rebuilds the model, export writes the merged file', async () => {
    const { dir, model, csv } = await tinyProblem();
    const out = join(dir, 'run');
    const common = ['--dataset', `csv:${csv}`, '--batch-size', '16', '--json'];
    const r = await runCli('train', '--model', `onnx:${model}`, '--lora', 'r=2,alpha=4,targets=w1,w2', '--method', 'fg-a', '--lr', '0.03', '--epochs', '2', '--out', out, ...common);
    assert.equal(r.code, 0, r.stderr);
    const summary = lastJson(r.stdout);
    assert.equal(summary.parameters, 2 * (4 + 8) + 2 * (8 + 3));
    const evaluated = await runCli('eval', out, '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.deepEqual([lastJson(evaluated.stdout).test_acc, lastJson(evaluated.stdout).test_loss], [summary.test_acc, summary.test_loss]);
    const file = join(dir, 'merged.onnx');
    const exported = await runCli('export', out, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*merged\.onnx \([\d,]+ bytes\): onnx:.*tiny-relu\.onnx \(LoRA merged\) after step 24/);
    const { test: t } = await loadCsv(csv);
    const { x, labels } = allExamples(t);
    const merged = await fileLoss(await readFile(file), x, labels);
    assert.ok(Math.abs(merged.loss - summary.test_loss!) < 1e-5 * summary.test_loss!, `${merged.loss} vs ${summary.test_loss}`);
  });

  test('prompt tokens on the imported ViT: the run exports a file (lowered by forwardprop) that onnxruntime runs to the run\'s evaluation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-byo-cli-'));
    const out = join(dir, 'run');
    const r = await runCli('train', '--model', `onnx:${MODELS}vit-tiny.onnx`, '--prompt', '2', '--dataset', 'mnist', '--classes', '3', '--method', 'fg-a', '--steps', '3', '--batch-size', '32', '--eval-batch-size', '500', '--out', out, '--json');
    assert.equal(r.code, 0, r.stderr);
    const summary = lastJson(r.stdout);
    assert.equal(summary.parameters, 2 * 64, 'two tokens of the width of the ViT');
    const file = join(dir, 'prompted.onnx');
    const exported = await runCli('export', out, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    const { x, labels } = allExamples(withClasses((await loadMnist()).test, [3]));
    const run = await fileLoss(await readFile(file), x, labels);
    assert.ok(Math.abs(run.loss - summary.test_loss!) < 1e-4 * summary.test_loss!, `${run.loss} vs ${summary.test_loss}`);
  });

  test('eval of an ONNX file as it is: the accuracy PyTorch measured (the baseline before fine-tuning); --classes only there', async () => {
    const manifest = JSON.parse(await readFile(`${MODELS}manifest.json`, 'utf8')) as { mlp: { test_acc_classes_0_4: number } };
    const r = await runCli('eval', `${MODELS}mlp.onnx`, '--dataset', 'fashion-mnist', '--classes', '0-4', '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = lastJson(r.stdout);
    assert.ok(Math.abs(result.test_acc! - manifest.mlp.test_acc_classes_0_4) < 1e-4, `${result.test_acc} vs PyTorch's ${manifest.mlp.test_acc_classes_0_4}`);
    assert.equal(result.step, 0);
    const { dir, csv } = await tinyProblem();
    const out = join(dir, 'run');
    assert.equal((await runCli('train', '--dataset', `csv:${csv}`, '--steps', '2', '--out', out)).code, 0);
    const classes = await runCli('eval', out, '--classes', '0-1');
    assert.equal(classes.code, 2);
    assert.match(classes.stderr, /--classes: a run is evaluated on the classes it trained on/);
  });

  test('bad flags exit 2 naming the flag; files and data that do not fit exit 1 naming them', async () => {
    const { dir, model, csv } = await tinyProblem();
    const train = (...args: string[]) => runCli('train', '--model', `onnx:${model}`, '--dataset', `csv:${csv}`, '--out', join(dir, `r${Math.random()}`), ...args);
    // Flag syntax (parseLora, parsePrompt) and what the file cannot take (ConfigError) are tested where they are made; here, that both reach the user as usage errors.
    const usage: [string[], RegExp][] = [
      [['--lora', 'r=x,targets=w1'], /--lora takes r=<rank>,alpha=<α>,targets=<globs> .*the rank must be an integer >= 1, got 'x'/],
      [['--trainable', 'head.*'], /--trainable: trainable glob 'head\.\*' matches no parameter; parameters: w1, b1, w2, b2/],
      [['--black-box', '--method', 'fg-a'], /--method: method fg-a needs the model graph; a black box gives outputs only: use a loss-only method \(spsa, cge, [a-z, ]*\)/],
      [['--black-box', '--method', 'spsa', '--subnets', '0.5'], /--subnets: sub-nets need the model graph; a black box trains dense/],
      [['--black-box', '--method', 'spsa', '--explore', 'every=10,anchors=2'], /--explore: exploration needs the model graph/],
    ];
    for (const [args, message] of usage) {
      const r = await train(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }

    const wide = join(dir, 'wide.csv');
    await writeFile(wide, 'a,b,c,d,e,label\n1,2,3,4,5,0\n2,3,4,5,6,1\n3,4,5,6,7,2\n4,5,6,7,8,0\n5,6,7,8,9,1\n');
    const shape = await runCli('train', '--model', `onnx:${model}`, '--dataset', `csv:${wide}`, '--steps', '1', '--out', join(dir, 'wide'));
    assert.equal(shape.code, 1);
    assert.match(shape.stderr, /model 'onnx:.*tiny-relu\.onnx' takes examples shaped \[4\], but the data's \(csv:.*wide\.csv\) are \[5\]/);
    const absent = await train('--model', `onnx:${join(dir, 'absent.onnx')}`);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /absent\.onnx: cannot read the model \(ENOENT\)/);

    // A model whose weights live in an external-data file that is missing.
    const proto = onnx.ModelProto.decode(await readFile(model));
    const w1 = (proto.graph!.initializer as InstanceType<typeof onnx.TensorProto>[]).find((t) => t.name === 'w1')!;
    w1.rawData = new Uint8Array(0);
    w1.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w1.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'w1.bin' })];
    const external = join(dir, 'external.onnx');
    await writeFile(external, onnx.ModelProto.encode(proto).finish());
    const missing = await runCli('train', '--model', `onnx:${external}`, '--dataset', `csv:${csv}`, '--steps', '1', '--out', join(dir, 'external'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /external\.onnx: .*external data file '.*w1\.bin' cannot be read \(ENOENT\)/);
    const noRun = await runCli('export', join(dir, 'none'), '--out', join(dir, 'x.onnx'));
    assert.equal(noRun.code, 1);
    assert.equal((await runCli('export', join(dir, 'none'))).code, 2, 'export without --out');
  });
});
