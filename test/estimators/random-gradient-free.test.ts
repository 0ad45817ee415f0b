import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LossOnlyEstimator } from '../../src/estimators/estimator.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { pointSamples } from '../../src/estimators/point-queries.js';
import type { PrgfState } from '../../src/estimators/prgf.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { stepKey } from '../../src/objectives/directions.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { vectorBatch, vectorOracle } from '../../src/objectives/vector-objective.js';
import { rgfDirections } from '../../src/surrogate/random-directions.js';
import { normals, testRandom } from '../helpers.js';
import { cosine } from './fixtures.js';

const d = 30;
const slope = normals(d, testRandom(3));
const linear = (x: Float64Array) => x.reduce((s, v, i) => s + slope[i]! * v, 0);
const batch = vectorBatch();
const theta = Float32Array.from(normals(d, testRandom(4)), (v) => v / 4);

test('rgf is (1/q) Σ Dₖuₖ over the seed\'s orthonormal directions: exact for a linear function with q = P', async () => {
  const full = createEstimator('rgf', { oracle: vectorOracle(d, linear), seed: 2 }, { directions: d, epsilon: 0.01 });
  const { estimate } = await full.estimate({}, { params: theta, batch, step: 0 });
  // Σₖ (g·uₖ)uₖ = g for an orthonormal basis; float32 losses limit the differences to ~1e-4.
  estimate.grad!.forEach((v, i) => assert.ok(Math.abs(d * v - slope[i]!) < 2e-3, `entry ${i}: ${d * v} vs ${slope[i]}`));
  assert.equal(estimate.queries, d + 1);
  // The directions are rgfDirections of the step key: with q < P the estimate lies in their span.
  const q = 5;
  const partial = createEstimator('rgf', { oracle: vectorOracle(d, linear), seed: 2 }, { directions: q, epsilon: 0.01 });
  const step = 9;
  const got = (await partial.estimate({}, { params: theta, batch, step })).estimate.grad!;
  const u = rgfDirections(d, q, stepKey(2, step));
  const expected = new Float64Array(d);
  for (const dir of u) {
    const along = dir.reduce((s, v, i) => s + v * slope[i]!, 0) / q;
    dir.forEach((v, i) => (expected[i] += along * v));
  }
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-4, `entry ${i}: ${v} vs ${expected[i]}`));
});

test('rgf scaled by P/q is unbiased, and a mask keeps it to the free entries', async () => {
  const mask = Float32Array.from({ length: d }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const free = mask.reduce((s, v) => s + v, 0);
  const estimator = createEstimator('rgf', { oracle: vectorOracle(d, linear), seed: 5 }, { directions: 4 });
  const mean = new Float64Array(d);
  const steps = 3000;
  for (let step = 0; step < steps; step++) {
    const grad = (await estimator.estimate({}, { params: theta, batch, step, mask })).estimate.grad!;
    grad.forEach((v, i) => (mean[i] += (v * free) / 4 / steps));
  }
  mask.forEach((m, i) => {
    if (m === 0) assert.equal(mean[i], 0);
  });
  const target = Float64Array.from(slope, (v, i) => v * mask[i]!);
  assert.ok(cosine(mean, target) > 0.99, `cosine ${cosine(mean, target)}`);
});

test('prgf starts as rgf, then leans on its prior: better aligned than rgf at the same queries', async () => {
  const rgf = createEstimator('rgf', { oracle: vectorOracle(d, linear), seed: 8 }, { directions: 5 });
  const prgf = createEstimator('prgf', { oracle: vectorOracle(d, linear), seed: 8 }, { directions: 5 });
  let state = prgf.init(theta) as PrgfState;
  const first = await prgf.estimate(state, { params: theta, batch, step: 0 });
  assert.deepEqual(first.estimate.grad, (await rgf.estimate({}, { params: theta, batch, step: 0 })).estimate.grad);
  assert.equal(first.estimate.queries, 6);
  state = first.state as PrgfState;
  let prgfCosine = 0;
  let rgfCosine = 0;
  const steps = 20;
  for (let step = 1; step <= steps; step++) {
    const next = await prgf.estimate(state, { params: theta, batch, step });
    assert.equal(next.estimate.queries, 7);
    state = next.state as PrgfState;
    prgfCosine += cosine(next.estimate.grad!, slope) / steps;
    rgfCosine += cosine((await rgf.estimate({}, { params: theta, batch, step })).estimate.grad!, slope) / steps;
  }
  // RGF's cosine is about √(q/P) = 0.41; PRGF keeps a prior once α² ≥ (2q − 1)/(P + 2q − 2) (λ* = 1), so ≥ 0.49.
  assert.ok(rgfCosine < 0.5, `rgf mean cosine ${rgfCosine}`);
  assert.ok(prgfCosine > 0.55 && prgfCosine > rgfCosine + 0.1, `prgf mean cosine ${prgfCosine}, rgf ${rgfCosine}`);
});

test('pointSamples recovers every query\'s point and mean loss from any perturbation (spsa\'s noise directions here)', async () => {
  const b = 3;
  const targets = Array.from({ length: b }, (_, e) => Float64Array.from({ length: d }, (__, j) => (e - j / d) / 2));
  const lossOf = (point: ArrayLike<number>, e: number) => targets[e]!.reduce((s, t, j) => s + (point[j]! - t) ** 2, 0);
  const oracle = new BlackBoxLossOracle(d, async ({ params, examples }) => Float32Array.from(examples, (e, q) => lossOf(params.subarray(q * d, (q + 1) * d), e)));
  const spsa = createEstimator('spsa', { oracle, seed: 1 }, { directions: 2 }) as LossOnlyEstimator;
  const examples = { x: HostTensor.zeros('float32', [b, 1]), y: HostTensor.zeros('int64', [b]) };
  const request = spsa.ask({}, { params: theta, batch: examples, step: 4 })!;
  const result = await oracle.evaluate(request);
  const samples = pointSamples(request, result);
  assert.equal(samples.losses.length, 4);
  for (let c = 0; c < 4; c++) {
    const point = samples.points.subarray(c * d, (c + 1) * d);
    const moved = point.reduce((s, v, i) => s + Math.abs(v - theta[i]!), 0) / d;
    assert.ok(Math.abs(moved - 1e-3) < 1e-5, `copy ${c} moved θ by ${moved} per entry (ε = 1e-3, Rademacher)`);
    const expected = [0, 1, 2].reduce((s, e) => s + Math.fround(lossOf(point, e)), 0) / b;
    assert.ok(Math.abs(samples.losses[c]! - expected) < 1e-5 * expected, `copy ${c}: ${samples.losses[c]} vs ${expected}`);
  }
  // The − copies mirror the + copies.
  for (let i = 0; i < d; i++) assert.ok(Math.abs(samples.points[i]! + samples.points[2 * d + i]! - 2 * theta[i]!) < 1e-6);
});
