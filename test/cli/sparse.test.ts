import assert from 'node:assert/strict';
import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { loadMnist } from '../../src/data/mnist.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { checkpointMasks } from '../../src/train/run-hooks.js';
import { Evaluator } from '../../src/train/evaluate.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { subset } from '../../src/data/dataset.js';
import { assertAllClose } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('sparse sub-nets, exploration and landscapes on the command line', () => {
  test('AST run → eval --subnet and --export (the sub-net alone in any onnxruntime) → its landscape; bad input exits 2 or 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-sparse-'));
    const run = join(dir, 'ast');
    const trained = await runCli('train', '--model', 'mlp:784-16-8-10', '--method', 'fg-w', '--subnets', '0.5,0.25', '--steps', '12', '--epochs', '1', '--mask-every', '4', '--prune-until', '0.02', '--json', '--out', run);
    assert.equal(trained.code, 0, trained.stderr);
    const summary = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { subnets: { pattern: string; density: number; test_acc: number }[] };
    assert.deepEqual(summary.subnets.map((s) => s.pattern), ['0.5', '0.25']);
    summary.subnets.forEach((s, k) => assert.ok(Math.abs(s.density - [0.5, 0.25][k]!) < 1e-3, `density ${s.density}`));

    const onnx = join(dir, 'sub1.onnx');
    const evaluated = await runCli('eval', run, '--subnet', '1', '--export', onnx, '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const result = JSON.parse(evaluated.stdout) as { subnet: number; test_acc: number; density: number };
    assert.equal(result.subnet, 1);
    assert.equal(result.test_acc, summary.subnets[1]!.test_acc);
    // The exported file is θ ⊙ M₁: its logits are the sub-net's.
    const checkpoint = await loadCheckpoint(join(run, 'checkpoint.fpck'));
    const mask = checkpointMasks(checkpoint, run)[1]!;
    const data = await loadMnist();
    const model = modelFromSpec('mlp:784-16-8-10', data.test.inputShape, 10);
    const session = await ort.InferenceSession.create(await readFile(onnx));
    const x = data.test.x.subarray(0, 5 * 784);
    const logits = (await session.run({ x: new ort.Tensor('float32', x, [5, 784]) })).out0!.data as Float32Array;
    const evaluator = new Evaluator(model, crossEntropyObjective());
    const few = subset(data.test, [0, 1, 2, 3, 4]);
    const mine = await evaluator.evaluate(checkpoint.params.map((v, i) => v * mask[i]!), few, 5);
    const exported = await evaluator.evaluate(checkpoint.params, few, 5);
    assert.notEqual(mine.loss, exported.loss, 'the dense θ is another model');
    let loss = 0;
    for (let e = 0; e < 5; e++) {
      const row = Array.from(logits.subarray(10 * e, 10 * e + 10));
      const max = Math.max(...row);
      loss += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[data.test.y[e]!]!;
    }
    assertAllClose([loss / 5], [mine.loss], { rtol: 1e-5, what: 'the exported sub-net\'s loss' });
    await evaluator.dispose();

    const landscape = await runCli('landscape', run, '--subnet', '1', '--points', '3', '--examples', '50', '--hessian-iterations', '2', '--out', join(dir, 'ls'));
    assert.equal(landscape.code, 0, landscape.stderr);
    for (const file of ['landscape.json', 'result.json', 'contour.svg', 'heatmap.svg', 'landscape.png']) await access(join(dir, 'ls', file));
    const other = join(dir, 'other');
    assert.equal((await runCli('train', '--model', 'mlp:784-8-10', '--method', 'bp', '--steps', '1', '--epochs', '1', '--out', other)).code, 0);

    const cases: [string[], number, RegExp][] = [
      [['eval', run, '--subnet', '2'], 2, /--subnet: the sub-net must be below 2, the sub-nets of .* \(0\.5,0\.25\); got 2/],
      [['eval', other, '--subnet', '0'], 2, /--subnet: .* is a dense run/],
      [['landscape', run, '--points', '2'], 2, /--points must be at least 3, got 2/],
      [['landscape', run, '--to', other, '--out', join(dir, 'x')], 1, /cannot interpolate between runs of different models: .* mlp:784-16-8-10 \(12786 parameters\), .* mlp:784-8-10 \(6370\)/],
      [['train', '--subnets', '0', '--steps', '1'], 2, /--subnets: sparsity '0': a density must lie in \(0, 1\]/],
      [['train', '--subnets', '1.5', '--steps', '1'], 2, /a density must lie in \(0, 1\], got 1\.5/],
      [['train', '--subnets', '3:2', '--steps', '1'], 2, /N:M needs 1 ≤ N ≤ M, got N = 3, M = 2/],
      [['train', '--subnets', '1:3', '--model', 'mlp:784-16-10', '--steps', '1'], 2, /--subnets: 1:3 sparsity needs the input axis of '0.weight' \[784, 16\] \(784\) to be a multiple of 3/],
      [['train', '--correction', 'plain', '--steps', '1'], 2, /--correction: correction sets up sparse sub-nets; give subnets too/],
      [['train', '--explore', 'every=2', '--steps', '1'], 2, /--explore: exploration 'every=2': anchors must be an integer ≥ 2 \(required\)/],
      [['train', '--explore', 'every=2,anchors=3', '--subnets', '0.5', '--steps', '1'], 2, /--explore: exploration moves all of θ/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  test('train --explore scores candidates on held-out examples and counts their queries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-explore-'));
    const r = await runCli('train', '--model', 'mlp:784-8-10', '--method', 'spsa', '--directions', '2', '--explore', 'every=3,anchors=3', '--holdout', '40', '--steps', '6', '--epochs', '1', '--json', '--out', dir);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { queries: number; steps: number };
    // 6 steps of 4 copies × 64 examples, and two look-arounds of (3 anchors × 4 candidates + θ) × 40 held-out examples.
    assert.equal(summary.queries, 6 * 4 * 64 + 2 * 13 * 40);
    const checkpoint = await loadCheckpoint(join(dir, 'checkpoint.fpck'));
    assert.deepEqual((checkpoint.extras!['hook:explore']!.json as { explorations: number }).explorations, 2);
  });
});
