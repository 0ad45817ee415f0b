import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { input } from '../../src/engine/ir/tensor.js';
import { add, concat, div, logSoftmax, matmul, mean, mul, reshape, sqrt, stopGradient, sum, transpose } from '../../src/engine/ops/index.js';
import { float32Output } from '../../src/engine/runtime/backend.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { grad } from '../../src/engine/transforms/vjp.js';
import { CONTRASTIVE_TEMPERATURE, contrastiveViews } from '../../src/estimators/local-graph.js';
import { descriptor } from '../../src/estimators/registry.js';
import { resolveOptions } from '../../src/estimators/options.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { assertAllClose } from '../helpers.js';
import { CE, cosine, distance, estimateOnce, make, randomBatch } from './fixtures.js';

const model = modelFromSpec('localmixer:blocks=2,patches=2,channels=8,groups=2', [1, 4, 4], 3);
const batch = randomBatch(6, [1, 4, 4], 3);
const theta = model.init(3);
const SEED = 5;
const contrastive = { localLoss: 'contrastive' };

/**
 * The contrastive local objective written out independently: for each block, InfoNCE of
 * the head's unit projection of view 1's pooled output against view 2's (a constant),
 * as −log softmax over the batch at the diagonal, averaged over examples; plus the
 * readout's cross-entropy on view 1. Its gradient is what LG-BP must compute.
 */
async function oracleGradient(step: number): Promise<Float32Array> {
  const x = model.inputTensor('x');
  const view = model.inputTensor('view');
  const y = input('y', 'int64', ['batch']);
  const eye = input('eye', 'float32', ['batch', 'batch']);
  const params = model.paramInputs();
  const first = model.forward(x, params, { local: true });
  const second = model.forward(view, params, { local: true });
  const unit = (z: ReturnType<typeof add>) => div(z, sqrt(sum(mul(z, z), -1, true)));
  let objective = mean(CE.loss(first.out, y));
  first.blocks.forEach((block, b) => {
    const project = (out: typeof block.output) => unit(add(matmul(mean(out, -2), block.head.weight), block.head.bias));
    const logits = mul(matmul(project(block.output), transpose(stopGradient(project(second.blocks[b]!.output)), [1, 0])), 1 / CONTRASTIVE_TEMPERATURE);
    objective = add(objective, mul(mean(sum(mul(logSoftmax(logits), eye), -1)), -1));
  });
  const program = await compile({ inputs: [x, view, y, eye, ...params], outputs: [concat(grad(objective, params).map((g) => reshape(g, [-1])), 0)] });
  const views = contrastiveViews(model, batch, SEED, step);
  const outputs = await program.run({ ...views, y: batch.y, eye: new HostTensor('float32', [6, 6], Float32Array.from({ length: 36 }, (_, k) => (k % 7 === 0 ? 1 : 0))), ...model.paramFeeds(theta) });
  await program.dispose();
  return float32Output(outputs, 0);
}

describe('contrastive local losses (InfoNCE between two augmented views)', () => {
  test("lg-bp's gradient is the contrastive local objective's, written independently", async () => {
    for (const step of [0, 1]) {
      const lgBp = (await estimateOnce(make('lg-bp', model, contrastive, SEED), { params: theta, batch, step })).grad!;
      assertAllClose(lgBp, await oracleGradient(step), { rtol: 1e-4, atol: 1e-6, what: `step ${step}` });
    }
    assert.ok(distance(await oracleGradient(0), await oracleGradient(1)) > 1e-3, 'each step draws its own views');
    const supervised = (await estimateOnce(make('lg-bp', model, {}, SEED), { params: theta, batch, step: 0 })).grad!;
    assert.ok(distance(supervised, await oracleGradient(0)) > 1e-3);
  });

  test("lg-fg-a's mean approaches lg-bp's contrastive gradient at the 1/√n rate; a second view costs one more query per example", async () => {
    const calls = 320;
    const estimator = make('lg-fg-a', model, { ...contrastive, directions: 8 }, SEED);
    const exact = make('lg-bp', model, contrastive, SEED);
    const [all, sixteenth, target] = [new Float64Array(theta.length), new Float64Array(theta.length), new Float64Array(theta.length)];
    for (let s = 0; s < calls; s++) {
      // The views change with the step: compare with lg-bp on the same views.
      const estimate = await estimateOnce(estimator, { params: theta, batch, step: s });
      const g = (await estimateOnce(exact, { params: theta, batch, step: s })).grad!;
      if (s === 0) assert.equal(estimate.queries, (8 + 1) * 6);
      for (let i = 0; i < theta.length; i++) {
        all[i]! += estimate.grad![i]! / calls;
        target[i]! += g[i]! / calls;
        if (s < calls / 16) sixteenth[i]! += (estimate.grad![i]! - g[i]!) / (calls / 16);
      }
    }
    assert.ok(cosine(all, target) > 0.98, `cosine ${cosine(all, target)}`);
    const error = distance(all, target);
    const ratio = distance(sixteenth, new Float64Array(theta.length)) / error;
    assert.ok(ratio > 2 && ratio < 8, `error ratio ${ratio} for 16× the samples`);
    assert.equal(descriptor('lg-bp').cost(resolveOptions('lg-bp', descriptor('lg-bp').options, contrastive), 6, theta.length), 12);
  });
});
