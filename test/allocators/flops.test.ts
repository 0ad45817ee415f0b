import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, determinant, inverse } from 'ml-matrix';
import type { AllocationFeedback } from '../../src/allocators/allocator.js';
import { AllocationGaussian, GaussianAllocator, type GaussianState } from '../../src/allocators/flops.js';
import { testRandom } from '../helpers.js';

const examplesOf = (b: number) => Int32Array.from({ length: b }, (_, i) => i);

test('flops spends exactly the budget, in whole units, with at least the minimum for every example (random losses, parameters and budgets)', () => {
  const random = testRandom(3);
  const allocator = new GaussianAllocator({ seed: 1 });
  for (let trial = 0; trial < 200; trial++) {
    const b = 1 + Math.floor(random() * 30);
    const unit = random() < 0.3 ? 2 : 1;
    const minimum = unit * (1 + Math.floor(random() * 3));
    const budget = unit * (Math.ceil(minimum / unit) * b + Math.floor(random() * 100));
    const loss = Float32Array.from({ length: b }, () => (random() < 0.2 ? 0 : random() * 4));
    // Parameters from shy (mostly negative weights: the uniform fallback) to wild.
    const state: GaussianState = { ...allocator.init(b), theta: Float32Array.of(random() * 4 - 2, random() * 4 - 2, random() * 2 - 1, random() * 4 - 2), draws: trial };
    const q = allocator.allocate(state, { examples: examplesOf(b), budget, minimum, unit, fresh: { loss } });
    assert.equal(q.reduce((a, n) => a + n, 0), budget, 'spends exactly the budget');
    assert.ok(q.every((n) => n >= minimum && n % unit === 0), `minimum ${minimum}, unit ${unit}: ${q}`);
  }
});

test('flops with equal losses allocates uniformly in expectation, though each draw is uneven', () => {
  const b = 8;
  const budget = 8 * b;
  const allocator = new GaussianAllocator({ seed: 2 });
  // Mean 2, scale 1: every draw varies, and the kernel (all losses equal) adds one shared shift.
  const state = { ...allocator.init(b), theta: Float32Array.of(2, 0.5, 0, 0) };
  const loss = new Float32Array(b).fill(0.7);
  const draws = 3000;
  const mean = new Float64Array(b);
  let uneven = 0;
  for (let d = 0; d < draws; d++) {
    const q = allocator.allocate({ ...state, draws: d }, { examples: examplesOf(b), budget, minimum: 1, fresh: { loss } });
    q.forEach((n, i) => (mean[i]! += n / draws));
    if (q.some((n) => n !== budget / b)) uneven++;
  }
  assert.ok(uneven > draws / 2, `only ${uneven} of ${draws} draws were uneven`);
  for (const m of mean) assert.ok(Math.abs(m - budget / b) < 0.15, `mean allocation ${[...mean].map((v) => v.toFixed(2))}, expected ${budget / b} each`);
});

test('allocate is a function of the state; observe moves to the next draw', () => {
  const allocator = new GaussianAllocator({ seed: 4 });
  const start = { ...allocator.init(6), theta: Float32Array.of(1, 1, 0, 0) };
  const request = { examples: examplesOf(6), budget: 60, minimum: 1, fresh: { loss: Float32Array.of(0.1, 0.5, 1, 1.5, 2, 3) } };
  assert.deepEqual(allocator.allocate(start, request), allocator.allocate(start, request));
  const feedback: AllocationFeedback = { examples: request.examples, queries: allocator.allocate(start, request), variance: new Float32Array(6).fill(Number.NaN), loss: request.fresh.loss, fresh: request.fresh };
  const next = allocator.observe(start, feedback);
  assert.equal(next.draws, 1);
  assert.deepEqual(start.draws, 0, 'the state given is not modified');
  assert.deepEqual(next.theta, start.theta, 'no variances observed: nothing to learn from');
  assert.notDeepEqual(allocator.allocate(next, request), allocator.allocate(start, request));
});

test('the score function is the gradient of the log density in φ = (a, b, log λ, log s)', () => {
  const loss = Float64Array.of(0.2, 0.9, 1.4, 2.5, 0.3);
  const n = loss.length;
  // An independent log density: μ and Σ written from their definitions, log det and Σ⁻¹ by ml-matrix.
  const logDensity = (phi: readonly number[], x: Float64Array) => {
    const [a, b, logLength, logScale] = phi as [number, number, number, number];
    const sigma = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sigma.set(i, j, Math.exp(2 * logScale) * (Math.exp(-((loss[i]! - loss[j]!) ** 2) / (2 * Math.exp(2 * logLength))) + (i === j ? 0.05 : 0)));
    const r = Matrix.columnVector(Array.from(x, (v, i) => v - a - b * loss[i]!));
    return -0.5 * r.transpose().mmul(inverse(sigma)).mmul(r).get(0, 0) - 0.5 * Math.log(determinant(sigma));
  };
  const phi = [0.8, 0.6, -0.3, 0.2];
  const [x] = new AllocationGaussian(phi, loss).draw(9, 1);
  const score = new AllocationGaussian(phi, loss).score(x!);
  const h = 1e-5;
  phi.forEach((_, k) => {
    const up = phi.map((p, j) => (j === k ? p + h : p));
    const down = phi.map((p, j) => (j === k ? p - h : p));
    const numeric = (logDensity(up, x!) - logDensity(down, x!)) / (2 * h);
    assert.ok(Math.abs(score[k]! - numeric) < 1e-5 * Math.max(1, Math.abs(numeric)), `∂/∂φ${k}: ${score[k]} vs finite differences ${numeric}`);
  });
});

test('trained by likelihood ratio, flops learns that high-loss examples are the noisy ones and lowers the variance at the fixed budget', () => {
  const b = 16;
  const examples = examplesOf(b);
  const budget = 8 * b;
  // Hard examples (loss 2.5) have 25 times the variance of easy ones (loss 0.2): Neyman gives them 5 times the queries.
  const loss = Float32Array.from(examples, (i) => (i < 4 ? 2.5 : 0.2));
  const variance = Float32Array.from(examples, (i) => (i < 4 ? 25 : 1));
  const proxy = (q: Int32Array) => variance.reduce((s, v, i) => s + v / q[i]!, 0);
  const allocator = new GaussianAllocator({ seed: 5 });
  let state = allocator.init(b);
  const request = { examples, budget, minimum: 1, fresh: { loss } };
  const average = (s: GaussianState) => {
    let total = 0;
    for (let d = 0; d < 200; d++) total += proxy(allocator.allocate({ ...s, draws: 10_000 + d }, request)) / 200;
    return total;
  };
  const before = average(state);
  for (let step = 0; step < 150; step++) {
    const queries = allocator.allocate(state, request);
    state = allocator.observe(state, { examples, queries, variance, loss, fresh: request.fresh });
  }
  const after = average(state);
  const neyman = variance.reduce((s, v) => s + Math.sqrt(v), 0) ** 2 / budget;
  assert.ok(state.theta[1]! > 0.5, `b = ${state.theta[1]}: the mean should grow with the loss`);
  assert.ok(after < 0.75 * before, `proxy variance ${before.toFixed(3)} → ${after.toFixed(3)}`);
  assert.ok(after < 1.25 * neyman, `proxy variance ${after.toFixed(3)}, Neyman's optimum ${neyman.toFixed(3)}`);
});
