import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropyObjective, mseObjective, objectiveFromSpec } from '../../src/objectives/objective.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { assertAllClose, testRandom } from '../helpers.js';
import { estimateOnce, randomBatch } from '../estimators/fixtures.js';
import { float32Output } from '../../src/engine/runtime/backend.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { createEstimator } from '../../src/estimators/registry.js';

/** A seeded regression table: y = a − 2b + c/2 on uniform features. */
async function regressionCsv(): Promise<string> {
  const random = testRandom(3);
  const rows = ['a,b,c,y'];
  for (let i = 0; i < 600; i++) {
    const [a, b, c] = [random() * 2 - 1, random() * 2 - 1, random() * 2 - 1];
    rows.push(`${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(a - 2 * b + c / 2).toFixed(4)}`);
  }
  const path = join(await mkdtemp(join(tmpdir(), 'fp-reg-')), 'linear.csv');
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}

test('MSE on a CSV regression task: bp and forward-only methods fit it (test MSE well under the targets\' variance of 1.75)', async () => {
  const dataset = `csv:${await regressionCsv()}?task=regression&target=y`;
  for (const [method, threshold] of [['bp', 0.02], ['fg-a', 0.05], ['spsa', 0.15]] as const) {
    const summary = await train({ ...DEFAULT_CONFIG, dataset, objective: 'mse', model: 'mlp:3-16-1', method, lr: 1e-2, epochs: 40 } as TrainConfig);
    assert.ok(summary.test_loss < threshold, `${method}: test MSE ${summary.test_loss}`);
    assert.equal(summary.objective, 'mse');
  }
});

test('objectives: label smoothing is (1 − α)·CE + α·mean(−log p) per example; MSE takes float targets shaped like the outputs', async () => {
  const model = mlp([6, 5, 3]);
  const theta = model.init(1);
  const batch = randomBatch(4, [6], 3);
  const x = model.inputTensor();
  const params = model.paramInputs();
  const program = await compile({ inputs: [x, ...params], outputs: [model.forward(x, params).out] });
  const logits = float32Output(await program.run({ x: batch.x, ...model.paramFeeds(theta) }), 0);
  await program.dispose();
  const alpha = 0.1;
  const expected = Array.from({ length: 4 }, (_, i) => {
    const row = Array.from(logits.subarray(3 * i, 3 * i + 3));
    const top = Math.max(...row);
    const logZ = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
    const logp = row.map((v) => v - logZ);
    return (1 - alpha) * -logp[Number((batch.y.data as BigInt64Array)[i])]! + alpha * -(logp.reduce((a, b) => a + b, 0) / 3);
  });
  const smoothed = await estimateOnce(createEstimator('bp', { model, objective: objectiveFromSpec(`cross-entropy:${alpha}`), seed: 0 }), { params: theta, batch, step: 0 });
  assertAllClose(smoothed.perExample.loss, expected, { rtol: 1e-5, atol: 1e-6, what: 'smoothed loss' });
  assert.equal(crossEntropyObjective(0).name, 'cross-entropy');
  assert.throws(() => objectiveFromSpec('cross-entropy:1'), /label smoothing must be a number in \[0, 1\)/);
  assert.deepEqual(mseObjective().target(3), { dtype: 'float32', shape: [3] });
  assert.equal(mseObjective().correct(Float32Array.of(0.9, 0.2, 0.4, 0.6), Float32Array.of(1, 0, 1, 1), 2), 1, 'thresholded at 0.5, every output');
});
