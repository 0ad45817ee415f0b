import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { type BlackBoxObjective, BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { normals, testRandom } from '../helpers.js';
import { cosine, estimateOnce } from './fixtures.js';

/** Per-example quadratic losses ½ sᵢ‖p − tᵢ‖²: each example i pulls p towards its own target with weight sᵢ. */
const d = 5;
const b = 6;
const random = testRandom(21);
const targets = Array.from({ length: b }, () => normals(d, random));
const scales = Float64Array.from({ length: b }, (_, i) => (i < 2 ? 10 : 1));
let calls = 0;
/** The black box reads its examples by batch position; the batch carries nothing else it needs. */
const batchOf = (n: number) => ({ x: HostTensor.zeros('float32', [n, 1]), y: new HostTensor('int64', [n], BigInt64Array.from({ length: n }, (_, i) => BigInt(i))) });
const objective: BlackBoxObjective = async ({ params, examples }) => {
  calls++;
  return Float32Array.from(examples, (e, q) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (params[q * d + j]! - targets[e]![j]!) ** 2;
    return 0.5 * scales[e]! * s;
  });
};

test('spsa on a black box is unbiased, with or without an uneven allocation, and asks the objective once per step', async () => {
  const params = Float32Array.from(normals(d, random));
  const exact = Float64Array.from({ length: d }, (_, j) => targets.reduce((s, t, i) => s + (scales[i]! * (params[j]! - t[j]!)) / b, 0));
  for (const allocation of [undefined, Int32Array.of(8, 8, 2, 2, 4, 2)]) {
    const spsa = createEstimator('spsa', { oracle: new BlackBoxLossOracle(d, objective), seed: 3 }, { epsilon: 1e-2, directions: 8 });
    const mean = new Float64Array(d);
    const steps = 4000;
    calls = 0;
    let queries = 0;
    for (let step = 0; step < steps; step++) {
      const e = await estimateOnce(spsa, { params, batch: batchOf(b), step, ...(allocation && { allocation }) });
      for (let j = 0; j < d; j++) mean[j]! += e.grad![j]! / steps;
      queries = e.queries;
    }
    assert.equal(calls, steps);
    assert.equal(queries, allocation ? 26 : 2 * 8 * b);
    assert.ok(cosine(mean, exact) > 0.995, `cosine ${cosine(mean, exact)} with allocation ${allocation}`);
  }
});

test('a black-box oracle checks its inputs and the objective\'s answer', async () => {
  const spsa = createEstimator('spsa', { oracle: new BlackBoxLossOracle(d, objective), seed: 0 }, { directions: 8 });
  await assert.rejects(estimateOnce(spsa, { params: new Float32Array(3), batch: batchOf(b), step: 0 }), /params must be a Float32Array of length 5, got length 3/);
  const broken = createEstimator('spsa', { oracle: new BlackBoxLossOracle(d, async () => new Float32Array(1)), seed: 0 }, { directions: 8 });
  await assert.rejects(estimateOnce(broken, { params: new Float32Array(d), batch: batchOf(b), step: 0 }), /the black-box objective returned 1 losses for 96 queries/);
  await assert.rejects(estimateOnce(spsa, { params: new Float32Array(d), batch: batchOf(2), step: 0, allocation: Int32Array.of(2, 3) }), /± pairs/);
  assert.throws(() => createEstimator('fg-a', { oracle: new BlackBoxLossOracle(d, objective), seed: 0 }), /fg-a needs the model graph/);
});
