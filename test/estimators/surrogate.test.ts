import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EstimateRequest } from '../../src/estimators/estimator.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { type SurrogateState, surrogateHistory } from '../../src/estimators/surrogate.js';
import { vectorBatch, vectorOracle } from '../../src/objectives/vector-objective.js';
import { deserializeState, serializeState } from '../../src/state/state.js';
import { GaussianProcess } from '../../src/surrogate/gaussian-process.js';
import { cosine } from './fixtures.js';

// f(θ) = Σ aᵢ(θᵢ − cᵢ)² / 2 with uneven curvature, so the gradient has a direction to get right.
const d = 4;
const curvature = [1, 3, 0.5, 2];
const center = [0.3, -0.2, 0.1, 0.4];
const quadratic = (x: Float64Array) => x.reduce((s, v, i) => s + (curvature[i]! * (v - center[i]!) ** 2) / 2, 0);
const exact = (theta: Float32Array) => Float64Array.from(theta, (v, i) => curvature[i]! * (v - center[i]!));
const batch = vectorBatch();
const make = (options: Record<string, unknown> = {}, f = quadratic) => createEstimator('surrogate', { oracle: vectorOracle(d, f), seed: 7 }, { restarts: 1, ...options });
const request = (params: Float32Array, step: number): EstimateRequest => ({ params, batch, step });

test('the surrogate recovers the gradient of a quadratic from its initial design', async () => {
  const theta = Float32Array.of(-0.5, 0.6, 0.9, -0.3);
  const estimator = make({ initialQueries: 60, initialRadius: 0.5 });
  const { estimate, state } = await estimator.estimate(estimator.init(theta), request(theta, 0));
  const g = exact(theta);
  const error = Math.hypot(...estimate.grad!.map((v, i) => v - g[i]!)) / Math.hypot(...g);
  assert.ok(error < 0.02, `relative error ${error}`);
  assert.equal(estimate.queries, 60);
  assert.equal(surrogateHistory(state as SurrogateState).size, 60);
  assert.equal(estimate.loss, Math.fround(quadratic(Float64Array.from(theta))));
  assert.equal(estimate.samples?.kind, 'points');
});

test('after a query step the surrogate takes virtual steps (∇μ, no queries) while trusted, at most virtualSteps per query', async () => {
  const estimator = make({ initialQueries: 30, initialRadius: 0.5, virtualSteps: 3 });
  let theta = Float32Array.of(0, 0, 0, 0);
  let state = estimator.init(theta) as SurrogateState;
  const queries: number[] = [];
  for (let step = 0; step < 7; step++) {
    const next = await estimator.estimate(state, request(theta, step));
    const history = surrogateHistory(state);
    if (next.estimate.queries === 0) {
      // The virtual step's gradient is ∇μ of the GP on the state's history and hyperparameters.
      const s = state;
      const nearest = history.nearest(Float64Array.from(s.anchor), 150);
      const gp = new GaussianProcess(nearest.map((q) => q.x), nearest.map((q) => q.y), { hyperparameters: { lengthscales: Float64Array.of(s.lengthscale), signalVariance: 1, noiseVariance: s.noiseVariance } });
      assert.deepEqual(next.estimate.grad, Float32Array.from(gp.meanGradient(Float64Array.from(theta))));
      assert.equal(next.estimate.loss, gp.mean(Float64Array.from(theta)));
      assert.equal(surrogateHistory(next.state as SurrogateState).size, history.size);
    }
    queries.push(next.estimate.queries);
    state = next.state as SurrogateState;
    theta = theta.map((v, i) => v - 0.02 * next.estimate.grad![i]!);
  }
  // Initial design, two virtual steps, a query, two virtual steps, a query.
  assert.deepEqual(queries, [30, 0, 0, 1, 0, 0, 1]);
  // Far from every query the uncertainty is high: the step queries.
  const far = await estimator.estimate({ ...state, virtual: 1 }, request(Float32Array.of(5, 5, 5, 5), 7));
  assert.equal(far.estimate.queries, 1);
});

test('active queries add the most uncertain candidates near θ to each query step', async () => {
  const estimator = make({ initialQueries: 10, virtualSteps: 1, activeQueries: 3, candidates: 20, radius: 0.05 });
  const theta = Float32Array.of(0.2, 0.2, 0.2, 0.2);
  const first = await estimator.estimate(estimator.init(theta), request(theta, 0));
  const second = await estimator.estimate(first.state, request(theta, 1));
  assert.equal(second.estimate.queries, 4);
  const samples = second.estimate.samples!;
  assert.equal(samples.kind, 'points');
  if (samples.kind !== 'points') return;
  assert.deepEqual(samples.points.subarray(0, d), theta);
  for (let c = 1; c < 4; c++) {
    const point: Float32Array = samples.points.subarray(c * d, (c + 1) * d);
    assert.ok(point.every((v, i) => Math.abs(v - theta[i]!) <= 0.05 + 1e-6), `active query ${c} at [${point}]`);
    assert.equal(samples.losses[c], Math.fround(quadratic(Float64Array.from(point))));
  }
  assert.equal(surrogateHistory(second.state as SurrogateState).size, 14);
});

test('estimates replay bit for bit, leave the given state alone, and resume from a serialised state', async () => {
  const estimator = make({ initialQueries: 12, activeQueries: 2, candidates: 10 });
  const theta = Float32Array.of(0.1, -0.1, 0.2, 0);
  const first = await estimator.estimate(estimator.init(theta), request(theta, 0));
  const before = serializeState(first.state);
  const a = await estimator.estimate(first.state, request(theta.map((v) => v + 0.3), 1));
  assert.deepEqual(serializeState(first.state), before, 'the state passed in is unchanged');
  const restored = deserializeState(before, make({ initialQueries: 12, activeQueries: 2, candidates: 10 }).init(theta));
  const fresh = make({ initialQueries: 12, activeQueries: 2, candidates: 10 });
  const b = await fresh.estimate(restored, request(theta.map((v) => v + 0.3), 1));
  assert.deepEqual(b.estimate.grad, a.estimate.grad);
  assert.deepEqual(serializeState(b.state), serializeState(a.state));
});

test('non-finite losses leave the state as it was and give no gradient and a NaN loss', async () => {
  const estimator = make({ initialQueries: 5 }, (x) => (x[0]! > 1 ? Number.NaN : quadratic(x)));
  const theta = Float32Array.of(0, 0, 0, 0);
  const first = await estimator.estimate(estimator.init(theta), request(theta, 0));
  const given: SurrogateState = { ...(first.state as SurrogateState), virtual: 0 };
  const bad = await estimator.estimate(given, request(Float32Array.of(2, 0, 0, 0), 1));
  assert.equal(bad.estimate.grad, undefined);
  assert.ok(Number.isNaN(bad.estimate.loss));
  assert.equal(bad.estimate.queries, 1);
  assert.equal(bad.state, given);
});

test('the surrogate refuses options that cannot work, naming them', () => {
  assert.throws(() => make({ capacity: 100, neighbours: 150 }), /^RangeError: surrogate option capacity \(100\) must hold the GP's neighbours \(150\)/);
  assert.throws(() => make({ activeQueries: 8, candidates: 4 }), /^RangeError: surrogate option activeQueries \(8\) must not exceed candidates \(4\)/);
  assert.throws(() => make({ initialQueries: 1 }), /surrogate option initialQueries \(--initial-queries\) must be at least 2/);
  assert.throws(() => make({ kernel: 'cubic' }), /surrogate option kernel \(--kernel\) must be one of matern52, rbf/);
  const wide = createEstimator('surrogate', { oracle: vectorOracle(200_000, () => 0), seed: 0 }, {});
  assert.throws(() => wide.init(new Float32Array(200_000)), /^RangeError: surrogate: a history of 1000 queries of 200000 parameters needs 1\.5 GiB; lower the option capacity/);
});

test('a GP fitted on fewer queries than the dimension needs says so once', async () => {
  const oracle = vectorOracle(20, (x) => x.reduce((s, v) => s + v * v, 0));
  const estimator = createEstimator('surrogate', { oracle, seed: 1 }, { neighbours: 8, capacity: 50, initialQueries: 8, restarts: 0 });
  const theta = new Float32Array(20).fill(0.5);
  const first = await estimator.estimate(estimator.init(theta), request(theta, 0));
  assert.match(first.estimate.warnings?.join('\n') ?? '', /sees at most 8 queries in 20 dimensions/);
  // Its gradient is a descent direction within the span of 7 differences in 20 dimensions.
  assert.ok(cosine(first.estimate.grad!, theta) > 0.3, `cosine ${cosine(first.estimate.grad!, theta)}`);
});
