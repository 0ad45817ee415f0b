import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mlp } from '../../src/nn/factories.js';
import type { Model } from '../../src/nn/model.js';
import { assertAllClose } from '../helpers.js';
import { cosine, distance, estimateOnce, exactGradient, make, randomBatch, tinyCnn } from './fixtures.js';

type Options = Readonly<Record<string, number | string | boolean>>;

/**
 * Each estimator is unbiased: the mean of many estimates approaches the exact
 * backprop gradient (cosine above 0.99) and the error shrinks like 1/√n.
 */
const rows: { method: string; options: Options; calls: number }[] = [
  { method: 'spsa', options: { directions: 256 }, calls: 16 },
  { method: 'spsa', options: { directions: 64, scheme: 'forward', noise: 'gaussian' }, calls: 64 },
  { method: 'fg-w', options: { directions: 32 }, calls: 128 },
  { method: 'fg-a', options: { directions: 16 }, calls: 64 },
  // The output perturbed too, so that the block variant's one pass carries two sites' noise.
  { method: 'fg-a', options: { directions: 16, variant: 'block', exactReadout: false }, calls: 64 },
  { method: 'cge', options: { directions: 20 }, calls: 200 },
];

async function meanOfEstimates(model: Model, method: string, options: Options, calls: number) {
  const theta = model.init(3);
  const batch = randomBatch(8, [...model.inputShape], 3);
  const exact = await exactGradient(model, theta, batch);
  const estimator = make(method, model, options);
  const quarter = new Float64Array(theta.length);
  const all = new Float64Array(theta.length);
  for (let s = 0; s < calls; s++) {
    const { grad, loss } = await estimateOnce(estimator, { params: theta, batch, step: s });
    assert.ok(Number.isFinite(loss));
    for (let i = 0; i < all.length; i++) {
      all[i]! += grad![i]! / calls;
      if (s < calls / 4) quarter[i]! += grad![i]! / (calls / 4);
    }
  }
  return { exact, quarter, all };
}

for (const model of [mlp([6, 5, 3]), tinyCnn()]) {
  describe(`unbiased estimators on ${model.spec}`, () => {
    for (const { method, options, calls } of rows) {
      test(`${method} ${JSON.stringify(options)}`, async () => {
        const { exact, quarter, all } = await meanOfEstimates(model, method, options, calls);
        assert.ok(cosine(all, exact) > 0.99, `cosine ${cosine(all, exact)}`);
        // Four times the samples should halve the error (1/√n); allow sampling slack.
        const ratio = distance(quarter, exact) / distance(all, exact);
        assert.ok(ratio > 1.25 && ratio < 3.2, `error ratio ${ratio} for 4× the samples`);
      });
    }

    test('cge over every coordinate is the central finite-difference gradient', async () => {
      const { exact, all } = await meanOfEstimates(model, 'cge', {}, 1);
      assertAllClose(all, exact, { rtol: 2e-2, atol: 2e-3, what: 'cge vs bp' });
    });
  });
}

test('spsa gives the same estimate, bit for bit and at the same cost, whether its directions run in one engine call or several', async () => {
  const model = mlp([6, 5, 3]);
  const theta = model.init(1);
  const batch = randomBatch(8, [6], 3);
  for (const scheme of ['central', 'forward'] as const) {
    const one = await estimateOnce(make('spsa', model, { directions: 7, scheme, directionsPerCall: 7 }, 2), { params: theta, batch, step: 3 });
    const split = await estimateOnce(make('spsa', model, { directions: 7, scheme, directionsPerCall: 3 }, 2), { params: theta, batch, step: 3 });
    assert.deepEqual(split.grad, one.grad, `${scheme} gradient`);
    assert.deepEqual(split.perExample.loss, one.perExample.loss, `${scheme} losses`);
    assert.equal(split.queries, one.queries);
    assert.equal(one.queries, (scheme === 'central' ? 14 : 8) * 8, 'forward differences evaluate θ once');
  }
});
