import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EstimateRequest, Estimator } from '../../src/estimators/estimator.js';
import { ESTIMATORS, createEstimator } from '../../src/estimators/registry.js';
import { resolveOptions } from '../../src/estimators/options.js';
import { mlp, modelFromSpec } from '../../src/nn/factories.js';
import type { Model } from '../../src/nn/model.js';
import { deserializeState, serializeState } from '../../src/state/state.js';
import { CE, randomBatch } from './fixtures.js';

/**
 * One suite over every registered method, driven by the registry: a new estimator is
 * tested here by adding its descriptor. For each: replay from the same state is bit for
 * bit; the state is not modified by estimate; a checkpoint round trip of the state gives
 * the same next estimate; the gradient has length P and is finite; the queries are the
 * descriptor's documented cost (at most it, for methods whose steps differ); an option the method does not take is refused.
 */
const mixer = modelFromSpec('localmixer:blocks=1,patches=2,channels=8,groups=2', [1, 4, 4], 3);
const plain = mlp([16, 6, 3]);

for (const [name, method] of Object.entries(ESTIMATORS)) {
  const model: Model = method.localHeads ? mixer : plain;
  const make = (): Estimator => createEstimator(name, { model, objective: CE, seed: 7 }, {});
  const batch = randomBatch(5, [...model.inputShape], 3, 11);
  const params = model.init(2);
  const request: EstimateRequest = { params, batch, step: 3 };

  describe(`conformance: ${name}`, () => {
    test('replays bit for bit from the same state, and leaves that state as it was', async () => {
      const estimator = make();
      const state = estimator.init(params);
      const before = serializeState(state);
      const [a, b] = [await estimator.estimate(state, request), await estimator.estimate(state, request)];
      assert.deepEqual(b.estimate.grad, a.estimate.grad);
      assert.equal(b.estimate.loss, a.estimate.loss);
      assert.deepEqual(serializeState(b.state), serializeState(a.state));
      assert.deepEqual(serializeState(state), before, 'estimate must not modify the state it is given');
      await estimator.dispose();
    });

    test('a checkpoint round trip of the state gives the same next estimate', async () => {
      const estimator = make();
      const { state } = await estimator.estimate(estimator.init(params), request);
      const restored = deserializeState(serializeState(state), make().init(params));
      const next = { ...request, step: 4 };
      assert.deepEqual((await estimator.estimate(restored, next)).estimate.grad, (await estimator.estimate(state, next)).estimate.grad);
      await estimator.dispose();
    });

    test('a finite gradient of length P, and the documented cost in queries', async () => {
      const estimator = make();
      const { estimate } = await estimator.estimate(estimator.init(params), request);
      assert.equal(estimate.grad?.length, model.layout.size);
      assert.ok(estimate.grad!.every(Number.isFinite) && Number.isFinite(estimate.loss));
      assert.equal(estimate.perExample.loss.length, 5);
      const cost = method.cost(resolveOptions(name, method.options, {}) as never, 5, model.layout.size);
      if (method.variableCost) assert.ok(estimate.queries <= cost, `${estimate.queries} queries, documented at most ${cost}`);
      else assert.equal(estimate.queries, cost);
      await estimator.dispose();
    });

    test('refuses an option it does not take, naming the ones it does', () => {
      assert.throws(() => createEstimator(name, { model, objective: CE, seed: 7 }, { nonsense: 1 }), new RegExp(`^RangeError: method ${name} takes no option 'nonsense'`));
    });
  });
}
