import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BlackBoxObjective, BlackBoxSpsa } from '../../src/estimators/black-box.js';
import { normals, testRandom } from '../helpers.js';
import { cosine } from './fixtures.js';

/** Per-example quadratic losses ½ sᵢ‖p − tᵢ‖²: each example i pulls p towards its own target with weight sᵢ. */
const d = 5;
const b = 6;
const random = testRandom(21);
const targets = Array.from({ length: b }, () => normals(d, random));
const scales = Float64Array.from({ length: b }, (_, i) => (i < 2 ? 10 : 1));
let calls = 0;
const objective: BlackBoxObjective = async ({ params, examples }) => {
  calls++;
  return Float32Array.from(examples, (e, q) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (params[q * d + j]! - targets[e]![j]!) ** 2;
    return 0.5 * scales[e]! * s;
  });
};

test('black-box SPSA is unbiased, with or without an uneven allocation, and asks the objective once per step', async () => {
  const params = Float32Array.from(normals(d, random));
  const exact = Float64Array.from({ length: d }, (_, j) => targets.reduce((s, t, i) => s + (scales[i]! * (params[j]! - t[j]!)) / b, 0));
  for (const allocation of [undefined, Int32Array.of(8, 8, 2, 2, 4, 2)]) {
    const spsa = new BlackBoxSpsa(d, { seed: 3, epsilon: 1e-2 });
    const mean = new Float64Array(d);
    const steps = 4000;
    calls = 0;
    let queries = 0;
    for (let step = 0; step < steps; step++) {
      const e = await spsa.estimate({ objective, params, batchSize: b, step, ...(allocation && { allocation }) });
      for (let j = 0; j < d; j++) mean[j]! += e.grad[j]! / steps;
      queries = e.queries;
    }
    assert.equal(calls, steps);
    assert.equal(queries, allocation ? 26 : 2 * 8 * b);
    assert.ok(cosine(mean, exact) > 0.995, `cosine ${cosine(mean, exact)} with allocation ${allocation}`);
  }
});

test('black-box SPSA checks its inputs and the objective\'s answer', async () => {
  const spsa = new BlackBoxSpsa(d);
  await assert.rejects(spsa.estimate({ objective, params: new Float32Array(3), batchSize: b, step: 0 }), /params must have length 5, got 3/);
  await assert.rejects(spsa.estimate({ objective: async () => new Float32Array(1), params: new Float32Array(d), batchSize: b, step: 0 }), /the objective returned 1 losses for 96 queries/);
  await assert.rejects(spsa.estimate({ objective, params: new Float32Array(d), batchSize: 2, step: 0, allocation: Int32Array.of(2, 3) }), /± pairs/);
});
