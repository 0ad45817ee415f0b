import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Distribution, appliedFractions, directionChunk, sharedAppliedStep } from '../../src/objectives/directions.js';
import type { Scheme } from '../../src/objectives/loss-oracle.js';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { scalarVector } from '../../src/rng/scalar-vector.js';
import { CHUNK, appliedRatio } from '../../src/rng/vector.js';
import { normals, testRandom } from '../helpers.js';
import { CE, randomBatch, tinyCnn } from '../estimators/fixtures.js';

/**
 * The applied step of each direction measured on its own, the way it was before one
 * direction stood for all: every direction drawn and summed separately by the
 * TypeScript kernel.
 */
function eachDirection(theta: Float32Array, distribution: Distribution, scheme: Scheme, epsilon: number, count: number, mask?: Float32Array): number[] {
  return Array.from({ length: count }, (_, d) => {
    const acc = new Float64Array(8);
    for (let start = 0; start < theta.length; start += CHUNK) {
      const n = Math.min(CHUNK, theta.length - start);
      scalarVector.slots[0]!.set(theta.subarray(start, start + n));
      directionChunk(scalarVector, 1, 77n, distribution, d, theta.length, start, n, epsilon, mask, 2);
      scalarVector.applied(0, 1, n, start, scheme === 'central', acc);
    }
    return appliedRatio(acc);
  });
}

// θ of mixed magnitudes, where θ ± εz rounds in float32 differently from element to element.
const random = testRandom(5);
const theta = Float32Array.from(normals(3 * CHUNK + 17, random), (v, i) => v * 10 ** ((i % 5) - 1));
const mask = Float32Array.from(theta, (_, i) => [0, 1, 0.5, 1][i % 4]!);

test('Rademacher directions under central differences take one applied step, bit for bit; others do not', () => {
  for (const m of [undefined, mask]) {
    const each = eachDirection(theta, 'rademacher', 'central', 1e-4, 6, m);
    assert.ok(each[0] !== 1, 'the copies round: the step differs from ε');
    assert.deepEqual(each, each.map(() => each[0]), 'every sign pattern gives the same sums');
    assert.deepEqual([...appliedFractions(theta, { key: 77n, distribution: 'rademacher', epsilon: 1e-4, first: 0, count: 6, ...(m && { mask: m }) }, 'central')], each);
  }
  for (const [distribution, scheme] of [['rademacher', 'forward'], ['gaussian', 'central']] as const) {
    assert.equal(sharedAppliedStep(distribution, scheme), false);
    const each = eachDirection(theta, distribution, scheme, 1e-4, 6);
    assert.ok(new Set(each).size > 1, `${distribution} ${scheme}: the directions' steps differ`);
    assert.deepEqual([...appliedFractions(theta, { key: 77n, distribution, epsilon: 1e-4, first: 0, count: 6 }, scheme)], each);
  }
});

test('the model oracle returns every direction its own applied step, however the copies are cut into calls', async () => {
  const model = tinyCnn();
  const params = Float32Array.from(model.init(3), (v, i) => v * 10 ** ((i % 4) - 1));
  const batch = randomBatch(3, [1, 6, 6], 3);
  const oracle = new ModelLossOracle(model, CE);
  for (const [distribution, scheme] of [['rademacher', 'central'], ['rademacher', 'forward'], ['gaussian', 'central']] as const) {
    const expected = eachDirection(params, distribution, scheme, 1e-4, 5);
    for (const directionsPerCall of [1, 2, 5]) {
      const result = await oracle.evaluate({ params, batch, perturbation: { kind: 'noise', key: 77n, distribution, epsilon: 1e-4, scheme, first: 0, count: 5 }, directionsPerCall });
      assert.deepEqual([...result.applied!], expected, `${distribution} ${scheme}, ${directionsPerCall} per call`);
    }
  }
  await oracle.dispose();
});
