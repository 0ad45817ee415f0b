import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EstimateRequest } from '../../src/estimators/estimator.js';
import { resolveOptions } from '../../src/estimators/options.js';
import { ESTIMATORS, createEstimator } from '../../src/estimators/registry.js';
import { vectorBatch, vectorOracle } from '../../src/objectives/vector-objective.js';
import { deserializeState, serializeState } from '../../src/state/state.js';

/**
 * Every loss-only method, from its descriptor alone, on a black box: the estimate has θ's
 * length and is finite, a warm step costs what the descriptor documents, steps replay bit
 * for bit from (state, request), the state passed in is left alone and survives a
 * serialisation round trip, and options the method does not take are refused.
 */
const d = 12;
const f = (x: Float64Array) => x.reduce((s, v, i) => s + (1 + i / d) * (v - 0.1 * i) ** 2, 0);
// The surrogate queries on every step here (no virtual steps): each warm step costs 1 query, within its documented most.
const OVERRIDES: Readonly<Record<string, Record<string, unknown>>> = { surrogate: { virtualSteps: 1, restarts: 1 } };
const lossOnly = Object.values(ESTIMATORS).filter((e) => e.needs === 'losses');

test('the loss-only methods include the surrogate, its baselines and mgd', () => {
  assert.deepEqual(lossOnly.map((e) => e.name).sort(), ['cge', 'mgd', 'prgf', 'rgf', 'spsa', 'surrogate']);
});

for (const method of lossOnly) {
  test(`${method.name} conforms to the estimator contract on a black box`, async () => {
    const options = OVERRIDES[method.name] ?? {};
    const make = () => createEstimator(method.name, { oracle: vectorOracle(d, f), seed: 11 }, options);
    const theta = Float32Array.from({ length: d }, (_, i) => Math.sin(i));
    const request = (step: number): EstimateRequest => ({ params: theta, batch: vectorBatch(), step });
    const estimator = make();
    const warm = (await estimator.estimate(estimator.init(theta), request(0))).state;
    const saved = serializeState(warm);
    const a = await estimator.estimate(warm, request(1));
    assert.deepEqual(serializeState(warm), saved, 'the state passed in is unchanged');
    assert.equal(a.estimate.grad?.length, d);
    assert.ok(a.estimate.grad!.every(Number.isFinite) && Number.isFinite(a.estimate.loss));
    const cost = method.cost(resolveOptions(method.name, method.options, options), 1, d);
    if (method.variableCost) assert.ok(a.estimate.queries <= cost, `${a.estimate.queries} queries, documented at most ${cost}`);
    else assert.equal(a.estimate.queries, cost);
    const replay = make();
    const b = await replay.estimate(deserializeState(saved, replay.init(theta)), request(1));
    assert.deepEqual(b.estimate.grad, a.estimate.grad);
    assert.equal(b.estimate.loss, a.estimate.loss);
    assert.deepEqual(serializeState(b.state), serializeState(a.state));
    assert.throws(() => createEstimator(method.name, { oracle: vectorOracle(d, f), seed: 0 }, { bogus: 1 }), new RegExp(`method ${method.name} takes no option 'bogus'`));
  });
}
