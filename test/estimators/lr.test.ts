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
import { runGradient } from '../../src/estimators/graph-outputs.js';
import type { LikelihoodRatioState } from '../../src/estimators/lr.js';
import { expandRows } from '../../src/estimators/rows.js';
import { mlp } from '../../src/nn/factories.js';
import { modelFeeds, programInputs } from '../../src/objectives/program-inputs.js';
import { deserializeState, serializeState } from '../../src/state/state.js';
import { fillGaussian } from '../../src/rng/noise.js';
import { CE, cosine, distance, estimateOnce, exactGradient, make, randomBatch } from './fixtures.js';

const model = mlp([6, 5, 3]);
const theta = model.init(3);
const batch = randomBatch(8, [6], 3);
const SIGMA = 0.3;

/**
 * Monte Carlo reference for ∇θ E_ε[L(θ; z + σε)]: the exact gradient of the noisy network
 * (the reparameterisation), averaged over many noise draws, one draw per row.
 */
async function smoothedGradient(draws: number): Promise<Float64Array> {
  const { x, y } = programInputs(model, CE);
  const params = model.paramInputs();
  const noises: Tensor[] = [];
  const perturb = (z: Tensor) => {
    const noise = input(`noise:${noises.length}`, 'float32', z.shape);
    noises.push(noise);
    return add(z, mul(noise, SIGMA));
  };
  const { out } = model.forward(x, params, { onActivity: (site) => perturb(site.z) });
  const loss = mean(CE.loss(perturb(out), y));
  const program = await compile({ inputs: [x, y, ...params, ...noises], outputs: grad(loss, params) });
  const rows = expandRows(batch, new Int32Array(8).fill(draws));
  const feeds: Record<string, Feed> = { ...modelFeeds(model, CE, theta, rows.batch) };
  noises.forEach((n, k) => {
    const t = HostTensor.zeros('float32', [8 * draws, ...(n.shape.slice(1) as number[])]);
    fillGaussian(t.data, 1000 + k);
    feeds[`noise:${k}`] = t;
  });
  return Float64Array.from((await runGradient(program, feeds, 0)).grad);
}

test('lr is unbiased for the Gaussian-smoothed objective (against a Monte Carlo reference)', async () => {
  const reference = await smoothedGradient(4000);
  const estimator = make('lr', model, { sigma: SIGMA, sigmaLr: 0, directions: 32 }, 4);
  const calls = 160;
  const sixteenth = new Float64Array(theta.length);
  const all = new Float64Array(theta.length);
  for (let s = 0; s < calls; s++) {
    const g = (await estimateOnce(estimator, { params: theta, batch, step: s })).grad!;
    for (let i = 0; i < all.length; i++) {
      all[i]! += g[i]! / calls;
      if (s < calls / 16) sixteenth[i]! += g[i]! / (calls / 16);
    }
  }
  assert.ok(cosine(all, reference) > 0.99, `cosine ${cosine(all, reference)}`);
  const ratio = distance(sixteenth, reference) / distance(all, reference);
  assert.ok(ratio > 2, `error ratio ${ratio} for 16× the samples`);
  const bp = await exactGradient(model, theta, batch);
  assert.ok(distance(reference, bp) > 0.05 * distance(bp, new Float32Array(bp.length)), 'σ = 0.3 smooths enough to tell the objectives apart');
});

test('lr spends exactly its allocation in antithetic pairs, and its noise scales learn and checkpoint', async () => {
  const estimator = make('lr', model, { sigmaLr: 0.1 }, 1);
  const allocation = Int32Array.of(2, 2, 4, 2, 8, 2, 2, 10);
  const start = estimator.init(theta) as LikelihoodRatioState;
  const first = await estimator.estimate(start, { params: theta, batch, step: 0, allocation });
  assert.equal(first.estimate.queries, 32);
  assert.ok(first.estimate.perExample.loss.every(Number.isFinite));
  // A variance needs two pairs: examples with one pair report NaN (unknown).
  assert.deepEqual(Array.from(first.estimate.perExample.variance!, Number.isFinite), Array.from(allocation, (n) => n >= 4));
  await assert.rejects(estimator.estimate(start, { params: theta, batch, step: 1, allocation: Int32Array.of(2, 2, 3, 2, 8, 2, 2, 10) }), /antithetic pairs: every example needs an even number/);
  const learned = first.state as LikelihoodRatioState;
  assert.ok(learned.logSigma.some((l) => l.some((v) => Math.abs(v - Math.log(1e-2)) > 1e-6)), 'the scales moved');
  assert.ok(start.logSigma.every((l) => l.every((v) => v === Math.fround(Math.log(1e-2)))), 'the state passed in is not modified');
  const restored = deserializeState(serializeState(learned), make('lr', model, { sigmaLr: 0.1 }, 1).init(theta));
  const [a, b] = [await estimator.estimate(learned, { params: theta, batch, step: 5 }), await estimator.estimate(restored, { params: theta, batch, step: 5 })];
  assert.deepEqual(b.estimate.grad, a.estimate.grad, 'a restored state continues identically');
});
