import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CartPolePolicy, cartPoleEpisodes, cartPoleObjective, cartPoleStarts, cartPoleStep } from '../../src/control/cart-pole.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { adam } from '../../src/optim/aliases.js';
import { initTrainState, runSteps } from '../../src/train/step.js';

describe('cart-pole', () => {
  test("one step from rest matches Gymnasium's CartPole-v1, and pushing one way topples the pole", () => {
    const s = new Float64Array(4);
    assert.equal(cartPoleStep(s, 1), false);
    // Gymnasium: reset to zeros, step(1) → [0, 0.19512195, 0, −0.29268293].
    [0, 0.19512195, 0, -0.29268293].forEach((v, i) => assert.ok(Math.abs(s[i]! - v) < 1e-7, `state[${i}] = ${s[i]}`));
    const right = new CartPolePolicy(0);
    const always = Float32Array.of(0, 0, 0, 0, 1);
    const steps = right.episode(always, 0, [0, 0, 0, 0]);
    assert.ok(steps > 5 && steps < 15, `always pushing right lasts ${steps} steps`);
  });

  test('a PD controller on the pole balances every start for 500 steps; episodes replay exactly', () => {
    const linear = new CartPolePolicy(0);
    const pd = Float32Array.of(0, 0, 10, 1, 0);
    const starts = cartPoleStarts(50, 3);
    for (let e = 0; e < 50; e++) assert.equal(linear.episode(pd, 0, starts.subarray(4 * e, 4 * e + 4)), 500);
    assert.deepEqual(cartPoleStarts(50, 3), starts);
    assert.ok(starts.every((v) => v >= -0.05 && v < 0.05));
  });

  test('spsa on the black box learns to balance the pole from episode returns alone', async () => {
    const policy = new CartPolePolicy(8);
    const oracle = new BlackBoxLossOracle(policy.parameters, cartPoleObjective(policy));
    const estimator = createEstimator('spsa', { oracle, seed: 1 }, { directions: 4, epsilon: 0.2 });
    const episodes = cartPoleEpisodes(64, 2);
    const start = initTrainState({ estimator, optimizer: adam(0.1) }, policy.init(5), episodes.size);
    const test = cartPoleStarts(20, 9);
    const mean = (params: Float32Array) => Array.from({ length: 20 }, (_, e) => policy.episode(params, 0, test.subarray(4 * e, 4 * e + 4))).reduce((a, b) => a + b) / 20;
    const before = mean(start.params.slice());
    const trained = await runSteps({ estimator, optimizer: adam(0.1) }, start, episodes, { batchSize: 8, seed: 1, steps: 40 });
    assert.ok(mean(trained.params) > Math.max(200, 2 * before), `mean return ${before} → ${mean(trained.params)}`);
  });
});
