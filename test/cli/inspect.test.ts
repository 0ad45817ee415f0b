import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { InspectReport } from '../../src/cli/inspect.js';
import { float, onnxBytes } from '../engine/onnx-graphs.js';
import { MODELS } from '../nn/onnx-fixtures.js';
import { runCli } from './run-cli.js';

describe('forwardprop inspect', () => {
  test('describes a foreign model: ops, parameters, activity sites and the methods that apply', async () => {
    const r = await runCli('inspect', `${MODELS}cnn-bn.onnx`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cnn-bn\.onnx: ONNX IR 7, opset 13, made by pytorch 1\.13\.0/);
    assert.match(r.stdout, /input: {3}image float32\[batch,1,28,28\]/);
    assert.match(r.stdout, /ops: {5}10 nodes: AveragePool 1, Constant 1, Conv 2, Flatten 1, Gemm 1, MaxPool 1, Pad 1, Relu 2/);
    assert.match(r.stdout, /parameters: 9,098 in 6 float initializers/);
    assert.match(r.stdout, /h\.weight +\[10,784\] +7,840/);
    assert.match(r.stdout, /unsupported ops: none/);
    assert.match(r.stdout, /activity sites \(fg-a, lr\): \/f\/f\.0\/Conv_output_0 \(relu\), \/f\/f\.4\/Conv_output_0 \(relu\)/);
    for (const method of ['bp', 'fa', 'fg-w', 'fg-a', 'lr', 'spsa', 'cge']) assert.match(r.stdout, new RegExp(`\\n  ${method} +yes`), method);
    assert.match(r.stdout, /\n {2}lg-fg-a +no {3}needs a model with local heads/);

    const json = await runCli('inspect', `${MODELS}vit-tiny.onnx`, '--json');
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as InspectReport;
    assert.equal(report.parameterCount, 72_074);
    assert.equal(report.opset, 14);
    assert.equal(report.ops.MatMul, 10);
    assert.equal(report.activitySites.length, 2);
    assert.equal(report.methods['fg-a']!.applies, true);
    for (const [name, m] of Object.entries(report.methods)) assert.ok(m.how.length > 0, `${name} says how it applies or why not`);
  });

  test('a file with unsupported ops: which nodes, and that only loss-only methods apply, through the black box', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-inspect-'));
    const path = join(dir, 'thresholded.onnx');
    await writeFile(path, onnxBytes({ x: [2, 2], weights: { w: { dims: [2, 2], values: [1, 0, 0, 1] } }, nodes: [['MatMul', ['x', 'w'], ['h']], ['ThresholdedRelu', ['h'], ['y'], { alpha: float(0.5) }]] }));
    const r = await runCli('inspect', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as InspectReport;
    assert.deepEqual(report.unsupported, [{ node: 'n1_ThresholdedRelu', op: 'ThresholdedRelu' }]);
    assert.deepEqual(Object.entries(report.methods).filter(([, m]) => m.applies).map(([name]) => name), ['spsa', 'cge', 'rgf', 'prgf', 'surrogate', 'mgd']);
    assert.match(report.methods.spsa!.how, /through the black box/);
    assert.match(report.methods.bp!.how, /does not map: 'n1_ThresholdedRelu'/);
  });

  test('bad files exit 1 naming the file; bad flags exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-inspect-'));
    const cut = join(dir, 'cut.onnx');
    const bytes = await readFile(`${MODELS}mlp.onnx`);
    await writeFile(cut, bytes.subarray(0, 1000));
    const truncated = await runCli('inspect', cut);
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /forwardprop inspect: .*cut\.onnx: not a valid ONNX file .*is it truncated\?/);
    const missing = await runCli('inspect', join(dir, 'none.onnx'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /none\.onnx: cannot read the model \(ENOENT\)/);
    for (const args of [['inspect'], ['inspect', 'a.onnx', 'b.onnx'], ['inspect', `${MODELS}mlp.onnx`, '--bogus']]) {
      const r = await runCli(...args);
      assert.equal(r.code, 2, args.join(' '));
    }
    const help = await runCli('inspect', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: forwardprop inspect <model\.onnx> \[flags\]/);
  });
});
