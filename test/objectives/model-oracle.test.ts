import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { Evaluator } from '../../src/train/evaluate.js';
import { createDataset } from '../../src/data/dataset.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';
import { CE, randomBatch, tinyCnn } from '../estimators/fixtures.js';

test('explicit offsets: one copy per call (a plain forward pass) and all copies in one call give the losses at θ + offset', async () => {
  const model = tinyCnn();
  const theta = model.init(3);
  const batch = randomBatch(5, [1, 6, 6], 3);
  const random = testRandom(4);
  const copies = 3;
  const offsets = Float32Array.from(normals(copies * theta.length, random), (v) => 0.1 * v);
  const oracle = new ModelLossOracle(model, CE);
  const request = { params: theta, batch, perturbation: { kind: 'offsets', offsets, copies } } as const;
  const [single, stacked] = [await oracle.evaluate({ ...request, directionsPerCall: 1 }), await oracle.evaluate(request)];
  assert.equal(single.queries, copies * 5);
  assertAllClose(single.losses, stacked.losses, { rtol: 1e-5, what: 'one copy per call against one call' });
  // Each copy's per-example losses by the evaluator, at θ + offset formed in float32.
  const labels = Int32Array.from(batch.y.data as BigInt64Array, Number);
  const evaluator = new Evaluator(model, CE);
  for (let c = 0; c < copies; c++) {
    const shifted = theta.map((t, i) => t + offsets[c * theta.length + i]!);
    for (let e = 0; e < 5; e++) {
      const one = createDataset({ name: 'one', inputShape: [1, 6, 6], classes: 3, x: (batch.x.data as Float32Array).slice(e * 36, (e + 1) * 36), y: labels.slice(e, e + 1) });
      assertAllClose([single.losses[c * 5 + e]!], [(await evaluator.evaluate(shifted, one)).loss], { rtol: 1e-6, what: `copy ${c}, example ${e}` });
    }
  }
  await Promise.all([oracle.dispose(), evaluator.dispose()]);
});
