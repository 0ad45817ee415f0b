import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Estimate, Estimator } from '../../src/estimators/estimator.js';
import { mlp } from '../../src/nn/factories.js';
import { adam } from '../../src/optim/aliases.js';
import { serializeState } from '../../src/state/state.js';
import { type StepHook, type Stepper, initTrainState, trainStep } from '../../src/train/step.js';
import { make, randomBatch } from '../estimators/fixtures.js';

const model = mlp([6, 5, 3]);
const batch = randomBatch(8, [6], 3);

/** bp that asks for no update on odd steps (as MGD does between τθ updates). */
function everyOther(inner: Estimator): Estimator {
  return {
    name: 'every-other',
    init: (p) => inner.init(p),
    async estimate(state, request) {
      const { estimate, state: next } = await inner.estimate(state, request);
      if (request.step % 2 === 1) {
        const { grad: _dropped, ...rest } = estimate;
        return { estimate: rest, state: next };
      }
      return { estimate, state: next };
    },
    dispose: () => inner.dispose(),
  };
}

test('an estimate without a gradient leaves θ and the optimiser (Adam) untouched, and counts its step and queries', async () => {
  const stepper: Stepper = { estimator: everyOther(make('bp', model)), optimizer: adam(1e-2) };
  let state = initTrainState(stepper, model.init(1), 8);
  state = (await trainStep(stepper, state, batch)).state;
  const [theta, optimizer] = [state.params.slice(), serializeState(state.optimizer)];
  state = (await trainStep(stepper, state, batch)).state;
  assert.deepEqual(state.params, theta, 'no update on an odd step');
  assert.deepEqual(serializeState(state.optimizer), optimizer, "Adam's moments did not move");
  assert.deepEqual([state.progress.step, state.progress.updates, state.progress.queries], [2, 1, 16]);
});

test('hooks: afterEstimate corrects the gradient, afterUpdate may replace θ and pays for its queries; their state is threaded', async () => {
  const halve: StepHook<{ calls: number }> = {
    name: 'halve',
    init: () => ({ calls: 0 }),
    afterEstimate: (s, estimate: Estimate) => ({ estimate: { ...estimate, grad: estimate.grad!.map((g) => g / 2) }, state: { calls: s.calls + 1 } }),
  };
  const reset: StepHook<{ resets: number }> = {
    name: 'reset',
    init: () => ({ resets: 0 }),
    afterUpdate: async (s, context) => ({ state: { resets: s.resets + 1 }, queries: 7, params: context.params.map(() => 0.25) }),
  };
  const stepper: Stepper = { estimator: make('bp', model), optimizer: adam(1e-2), hooks: [halve, reset] };
  let state = initTrainState(stepper, model.init(1), 8);
  state = (await trainStep(stepper, state, batch)).state;
  assert.ok(state.params.every((v) => v === 0.25), 'the look-around replaced θ');
  assert.deepEqual(state.hooks, { halve: { calls: 1 }, reset: { resets: 1 } });
  assert.equal(state.progress.queries, 8 + 7);
});

test('a NaN loss throws NonFiniteError and leaves θ as it was', async () => {
  const stepper: Stepper = { estimator: make('bp', model), optimizer: adam(1e-2) };
  const theta = model.init(1);
  theta[0] = Number.NaN;
  const state = initTrainState(stepper, theta, 8);
  const before = theta.slice();
  await assert.rejects(trainStep(stepper, state, batch), (e: Error) => e.name === 'NonFiniteError' && /^step 0: the loss is NaN/.test(e.message));
  assert.deepEqual(Array.from(theta, String), Array.from(before, String));
});
