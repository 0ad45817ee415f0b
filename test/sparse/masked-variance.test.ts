import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { normals, testRandom } from '../helpers.js';

test('spsa under a mask: masked entries get nothing, and the variance falls with the active count as (n − 1)‖g‖²/K', async () => {
  const p = 96;
  const k = 4;
  const random = testRandom(8);
  const c = Float64Array.from(normals(p, random));
  // A linear loss cᵀθ: central differences are exact, so all the error is the directions'.
  const oracle = new BlackBoxLossOracle(p, async ({ params, examples }) => Float32Array.from(examples, (_, q) => params.subarray(q * p, (q + 1) * p).reduce((s, v, j) => s + v * c[j]!, 0)));
  const batch = { x: HostTensor.zeros('float32', [1, 1]), y: new HostTensor('int64', [1], BigInt64Array.of(0n)) };
  const params = new Float32Array(p);
  for (const active of [96, 24, 6]) {
    const mask = Float32Array.from({ length: p }, (_, i) => (i % (p / active) === 0 ? 1 : 0));
    const spsa = createEstimator('spsa', { oracle, seed: 1 }, { directions: k, epsilon: 0.5 });
    let norm = 0;
    for (let i = 0; i < p; i++) norm += mask[i]! * c[i]! ** 2;
    const steps = 1500;
    let error = 0;
    for (let step = 0; step < steps; step++) {
      const { estimate } = await spsa.estimate(spsa.init(params), { params, batch, step, mask });
      for (let i = 0; i < p; i++) {
        if (mask[i] === 0) assert.equal(estimate.grad![i], 0);
        else error += (estimate.grad![i]! - c[i]!) ** 2 / steps;
      }
    }
    const theory = ((active - 1) * norm) / k;
    assert.ok(Math.abs(error / theory - 1) < 0.1, `${active} active: E‖ĝ − g‖² = ${error.toFixed(2)}, theory ${theory.toFixed(2)}`);
  }
});
