import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mlp } from '../../src/nn/factories.js';
import { cosine, estimateOnce, exactGradient, make, randomBatch } from './fixtures.js';

const model = mlp([6, 5, 3]);
const theta = model.init(3);
const batch = randomBatch(8, [6], 3);
/** Uneven queries per example, in pairs (lr and spsa take pairs). */
const allocation = Int32Array.of(2, 2, 4, 8, 2, 6, 2, 10);

for (const [method, options, calls] of [
  ['lr', { sigma: 1e-3, sigmaLr: 0 }, 1600],
  ['fg-a', {}, 400],
  ['spsa', {}, 1600],
  ['fg-w', {}, 1600],
] as const) {
  test(`${method} with an uneven allocation stays unbiased and spends the allocation`, async () => {
    const exact = await exactGradient(model, theta, batch);
    const estimator = make(method, model, options, 3);
    const mean = new Float64Array(theta.length);
    let queries = 0;
    for (let s = 0; s < calls; s++) {
      const e = await estimateOnce(estimator, { params: theta, batch, step: s, allocation });
      for (let i = 0; i < mean.length; i++) mean[i]! += e.grad![i]! / calls;
      queries = e.queries;
      assert.ok(e.perExample.variance!.length === 8);
    }
    assert.ok(cosine(mean, exact) > 0.99, `cosine ${cosine(mean, exact)}`);
    const budget = allocation.reduce((a, b) => a + b, 0);
    // Weight perturbation lays the queries out as K directions × m slots: padding fills at most K − 1 slots.
    const k = method === 'spsa' ? 5 : method === 'fg-w' ? 10 : 0;
    const slot = method === 'spsa' ? 2 : 1;
    assert.ok(queries >= budget && queries <= budget + slot * Math.max(0, k - 1), `${queries} queries for a budget of ${budget}`);
  });
}

test('methods without query allocation refuse one', async () => {
  for (const method of ['bp', 'cge', 'dfa']) {
    await assert.rejects(estimateOnce(make(method, model), { params: theta, batch, step: 0, allocation }), new RegExp(`^RangeError: ${method} does not take a query allocation`));
  }
});
