import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Estimator } from '../../src/estimators/estimator.js';
import { mlp } from '../../src/nn/factories.js';
import { estimateOnce, make, randomBatch } from './fixtures.js';

/** Mean over weights of the variance of their estimates across `calls` steps. */
async function weightVariance(estimator: Estimator, theta: Float32Array, calls: number, weights: number): Promise<number> {
  const batch = randomBatch(16, [32], 10, 9);
  const sum = new Float64Array(weights);
  const squares = new Float64Array(weights);
  for (let s = 0; s < calls; s++) {
    const grad = (await estimateOnce(estimator, { params: theta, batch, step: s })).grad!;
    for (let i = 0; i < weights; i++) {
      sum[i]! += grad[i]!;
      squares[i]! += grad[i]! ** 2;
    }
  }
  let total = 0;
  for (let i = 0; i < weights; i++) total += squares[i]! / calls - (sum[i]! / calls) ** 2;
  return total / weights;
}

test('fg-a has lower variance than fg-w on the same layer, by about the fan-in or more', async () => {
  const fanIn = 32;
  const model = mlp([fanIn, 10]);
  const theta = model.init(4);
  const weights = fanIn * 10;
  const w = await weightVariance(make('fg-w', model, { directions: 8 }, 1), theta, 200, weights);
  const a = await weightVariance(make('fg-a', model, { directions: 8, exactReadout: false }, 1), theta, 200, weights);
  // Ren et al. (2023), Table 1: weight perturbation's variance carries a factor pq + 1
  // where activity perturbation's carries q + 1 (p = fan-in 32, q = 10 outputs): a ratio
  // near (pq + 1) / (q + 1) ≈ 29, about the fan-in.
  const ratio = w / a;
  assert.ok(ratio > fanIn / 2 && ratio < 2 * fanIn, `variance ratio fg-w / fg-a = ${ratio.toFixed(1)}, fan-in ${fanIn}`);
});
