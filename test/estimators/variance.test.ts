import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/batches.js';
import type { Estimator } from '../../src/estimators/estimator.js';
import { mlp } from '../../src/nn/factories.js';
import { estimateOnce, exactGradient, make, randomBatch } from './fixtures.js';

/**
 * Total variance, across `calls` steps, of the estimates of the entries of θ before `end`
 * (with one example, each step is one sample of the per-example estimate).
 */
async function totalVariance(estimator: Estimator, theta: Float32Array, batch: Batch, calls: number, end: number): Promise<number> {
  const sum = new Float64Array(end);
  const squares = new Float64Array(end);
  for (let s = 0; s < calls; s++) {
    const grad = (await estimateOnce(estimator, { params: theta, batch, step: s })).grad!;
    for (let i = 0; i < end; i++) {
      sum[i]! += grad[i]!;
      squares[i]! += grad[i]! ** 2;
    }
  }
  let total = 0;
  for (let i = 0; i < end; i++) total += squares[i]! / calls - (sum[i]! / calls) ** 2;
  return total;
}

test('fg-a has lower variance than fg-w on the same layer, by about the fan-in or more', async () => {
  const fanIn = 32;
  const model = mlp([fanIn, 10]);
  const theta = model.init(4);
  const weights = fanIn * 10;
  const batch = randomBatch(16, [32], 10, 9);
  const w = await totalVariance(make('fg-w', model, { directions: 8 }, 1), theta, batch, 200, weights);
  const a = await totalVariance(make('fg-a', model, { directions: 8, exactReadout: false }, 1), theta, batch, 200, weights);
  // Ren et al. (2023), Table 1: weight perturbation's variance carries a factor pq + 1
  // where activity perturbation's carries q + 1 (p = fan-in 32, q = 10 outputs): a ratio
  // near (pq + 1) / (q + 1) ≈ 29, about the fan-in.
  const ratio = w / a;
  assert.ok(ratio > fanIn / 2 && ratio < 2 * fanIn, `variance ratio fg-w / fg-a = ${ratio.toFixed(1)}, fan-in ${fanIn}`);
});

test("fg-a's block variant (Ren et al.'s code) has the predicted extra variance over the per-site variant", async () => {
  const model = mlp([8, 12, 10, 3]);
  const theta = model.init(2);
  const batch = randomBatch(1, [8], 3, 4);
  const exact = await exactGradient(model, theta, batch);
  // Hidden layers s: a_s = ∇_{z_s}ℓ is their bias gradient (one example), d_s its live units,
  // and the weights see the same noise times the layer's input x_s: weight c_s = 1 + ‖x_s‖².
  const entries = model.layout.entries;
  const layers = [0, 2].map((i) => {
    const [w, b] = [entries[i]!, entries[i + 1]!];
    const a = exact.subarray(b.offset, b.offset + b.size);
    const norm = a.reduce((s, v) => s + v * v, 0);
    const weights = exact.subarray(w.offset, w.offset + w.size).reduce((s, v) => s + v * v, 0);
    return { norm, live: a.filter((v) => v !== 0).length, c: 1 + weights / norm };
  });
  // Gaussian u: per site, Var = (d_s + 1)‖a_s‖²; block, each site's coefficient also carries
  // the other sites' derivatives, adding d_s Σ_{t≠s} ‖a_t‖² (docs/methods/local-losses.md).
  const total = layers.reduce((s, l) => s + l.norm, 0);
  const perSite = layers.reduce((s, l) => s + l.c * (l.live + 1) * l.norm, 0);
  const block = layers.reduce((s, l) => s + l.c * ((l.live + 1) * l.norm + l.live * (total - l.norm)), 0);
  const body = entries[4]!.offset;
  const calls = 3000;
  const measuredPerSite = await totalVariance(make('fg-a', model, { variant: 'per-site' }, 3), theta, batch, calls, body);
  const measuredBlock = await totalVariance(make('fg-a', model, { variant: 'block' }, 3), theta, batch, calls, body);
  const near = (measured: number, predicted: number, what: string) => assert.ok(Math.abs(measured / predicted - 1) < 0.1, `${what}: measured ${measured.toPrecision(4)}, predicted ${predicted.toPrecision(4)}`);
  near(measuredPerSite, perSite, 'per-site variance');
  near(measuredBlock, block, 'block variance');
  near(measuredBlock / measuredPerSite, block / perSite, `variance factor block / per-site (predicted ${(block / perSite).toFixed(2)})`);
});
