import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Feed } from '../../src/engine/ir/bind.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { type Tensor, input } from '../../src/engine/ir/tensor.js';
import { add } from '../../src/engine/ops/add.js';
import { mean } from '../../src/engine/ops/mean.js';
import { mul } from '../../src/engine/ops/mul.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { grad } from '../../src/engine/transforms/vjp.js';
import { batchInputs, modelFeeds } from '../../src/estimators/graph-inputs.js';
import { flatten } from '../../src/estimators/graph-outputs.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { expandRows } from '../../src/estimators/rows.js';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { serializeState } from '../../src/state/state.js';
import { fillGaussian } from '../../src/rng/noise.js';
import { cosine, distance, randomBatch } from './fixtures.js';

const model = mlp([6, 5, 3]);
const theta = model.init(3);
const batch = randomBatch(8, [6], 3);
const SIGMA = 0.3;

/**
 * Monte Carlo reference for ∇θ E_ε[L(θ; z + σε)]: the exact gradient of the noisy network
 * (the reparameterisation), averaged over many noise draws, one draw per row.
 */
async function smoothedGradient(draws: number): Promise<Float64Array> {
  const { x, y } = batchInputs(model);
  const params = model.paramInputs();
  const noises: Tensor[] = [];
  const perturb = (z: Tensor) => {
    const noise = input(`noise:${noises.length}`, 'float32', z.shape);
    noises.push(noise);
    return add(z, mul(noise, SIGMA));
  };
  const { out } = model.forward(x, params, { onActivity: (site) => perturb(site.z) });
  const loss = mean(crossEntropy(perturb(out), y));
  const program = await compile({ inputs: [x, y, ...params, ...noises], outputs: [flatten(grad(loss, params))] });
  const rows = expandRows(batch, new Int32Array(8).fill(draws));
  const feeds: Record<string, Feed> = { ...modelFeeds(model, theta, rows.batch) };
  noises.forEach((n, k) => {
    const t = HostTensor.zeros('float32', [8 * draws, ...(n.shape.slice(1) as number[])]);
    fillGaussian(t.data, 1000 + k);
    feeds[`noise:${k}`] = t;
  });
  return Float64Array.from((await program.run(feeds))[0]!.data as Float32Array);
}

test('lr is unbiased for the Gaussian-smoothed objective (against a Monte Carlo reference)', async () => {
  const reference = await smoothedGradient(4000);
  const estimator = createEstimator('lr', model, { seed: 4, sigma: SIGMA, sigmaLr: 0, directions: 32 });
  const calls = 160;
  const sixteenth = new Float64Array(theta.length);
  const all = new Float64Array(theta.length);
  for (let s = 0; s < calls; s++) {
    const { grad: g } = await estimator.estimate({ params: theta, batch, step: s });
    for (let i = 0; i < all.length; i++) {
      all[i]! += g[i]! / calls;
      if (s < calls / 16) sixteenth[i]! += g[i]! / (calls / 16);
    }
  }
  assert.ok(cosine(all, reference) > 0.99, `cosine ${cosine(all, reference)}`);
  const ratio = distance(sixteenth, reference) / distance(all, reference);
  assert.ok(ratio > 2, `error ratio ${ratio} for 16× the samples`);
  const bp = (await createEstimator('bp', model).estimate({ params: theta, batch, step: 0 })).grad;
  assert.ok(distance(reference, bp) > 0.05 * distance(bp, new Float32Array(bp.length)), 'σ = 0.3 smooths enough to tell the objectives apart');
});

test('lr spends exactly its allocation in antithetic pairs, and its noise scales learn and checkpoint', async () => {
  const estimator = createEstimator('lr', model, { seed: 1, sigmaLr: 0.1 });
  const allocation = Int32Array.of(2, 2, 4, 2, 8, 2, 2, 10);
  const first = await estimator.estimate({ params: theta, batch, step: 0, allocation });
  assert.equal(first.queries, 32);
  assert.ok(first.perExample.loss.every(Number.isFinite));
  // A variance needs two pairs: examples with one pair report NaN (unknown).
  assert.deepEqual(Array.from(first.perExample.spread!, Number.isFinite), Array.from(allocation, (n) => n >= 4));
  await assert.rejects(estimator.estimate({ params: theta, batch, step: 1, allocation: Int32Array.of(2, 2, 3, 2, 8, 2, 2, 10) }), /antithetic pairs: every example needs an even number/);
  const saved = serializeState(estimator.state!());
  assert.ok(saved.buffers.some((b) => b.some((v) => Math.abs(v - Math.log(1e-2)) > 1e-6)), 'the scales moved');
  const twin = createEstimator('lr', model, { seed: 1, sigmaLr: 0.1 });
  await twin.estimate({ params: theta, batch, step: 0, allocation });
  twin.restore!(saved);
  const [a, b] = [await estimator.estimate({ params: theta, batch, step: 5 }), await twin.estimate({ params: theta, batch, step: 5 })];
  assert.deepEqual(b.grad, a.grad, 'a restored estimator continues identically');
});
