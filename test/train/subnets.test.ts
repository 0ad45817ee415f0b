import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDataset } from '../../src/data/dataset.js';
import { batches } from '../../src/data/batches.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { adam } from '../../src/optim/aliases.js';
import { densityMask, magnitudes, maskDensity, maskedParams, parseSubnets } from '../../src/sparse/masks.js';
import { CORRECTION_HOOK, type CorrectionState, gradientCorrectionHook } from '../../src/train/hooks/gradient-correction.js';
import { SUBNETS_HOOK, type SubnetsState, subnetsHook } from '../../src/train/hooks/subnets.js';
import { type StepHook, type Stepper, type TrainState, initTrainState, trainStep } from '../../src/train/step.js';
import { normals, testRandom } from '../helpers.js';

const objective = crossEntropyObjective();
const model = mlp([12, 8, 8, 4]);
const random = testRandom(11);
const data = createDataset({ name: 'random', inputShape: [12], classes: 4, x: Float32Array.from(normals(64 * 12, random)), y: Int32Array.from({ length: 64 }, () => Math.floor(random() * 4)) });
const entries = maskedParams(model.layout);

async function run(stepper: Stepper, params: Float32Array, steps: number, onStep?: (before: Float32Array, after: TrainState) => void): Promise<TrainState> {
  let state = initTrainState(stepper, params, data.size);
  for (let epoch = 0; state.progress.step < steps; epoch++) {
    for (const batch of batches(data, { batchSize: 16, seed: 1, epoch })) {
      if (state.progress.step >= steps) break;
      const before = state.params.slice();
      state = (await trainStep(stepper, state, batch)).state;
      onStep?.(before, state);
    }
  }
  return state;
}

describe('AST sub-nets', () => {
  for (const method of ['bp', 'spsa', 'fg-w']) {
    test(`${method}: AST with K = 1 equals plain sparse training, bit for bit`, async () => {
      const theta = model.init(3);
      const patterns = parseSubnets('0.3');
      const hooks: StepHook[] = [
        subnetsHook({ layout: model.layout, patterns, totalSteps: 12, every: 1000, rampEnd: 0 }),
        gradientCorrectionHook({ layout: model.layout, subnets: 1, mode: 'plain' }),
      ];
      const ast = await run({ estimator: createEstimator(method, { model, objective, seed: 7 }), optimizer: adam(1e-2), hooks }, theta.slice(), 12);
      // Plain sparse training: pruned weights set to zero and frozen by a fixed mask.
      const mask = densityMask(model.layout, entries, magnitudes(theta), 0.3);
      const plain = await run({ estimator: createEstimator(method, { model, objective, seed: 7 }), optimizer: adam(1e-2), mask }, theta.map((v, i) => v * mask[i]!), 12);
      assert.deepEqual((ast.hooks[SUBNETS_HOOK] as SubnetsState).masks[0], mask);
      assert.deepEqual(ast.params.map((v, i) => v * mask[i]!), plain.params);
      assert.ok(plain.params.some((v, i) => v !== theta[i]! * mask[i]!), 'training moved θ');
      // θ keeps the pruned weights as they were (another sub-net could use them).
      ast.params.forEach((v, i) => mask[i] === 0 && assert.equal(v, theta[i]));
      assert.equal((ast.hooks[CORRECTION_HOOK] as CorrectionState).projections, 0, 'one sub-net: nothing to correct');
    });
  }

  test('step t trains sub-net t mod K: entries outside it never move, and each sub-net is perturbed only on its own entries', async () => {
    const theta = model.init(4);
    const hook = subnetsHook({ layout: model.layout, patterns: parseSubnets('0.5,0.2,0.1'), totalSteps: 9, every: 1000, rampEnd: 0 });
    const masks = hook.init(theta).masks;
    const stepper: Stepper = { estimator: createEstimator('spsa', { model, objective, seed: 2 }), optimizer: adam(1e-2), hooks: [hook, gradientCorrectionHook({ layout: model.layout, subnets: 3, mode: 'plain' })] };
    let moved = 0;
    await run(stepper, theta, 9, (before, after) => {
      const mask = masks[(after.progress.step - 1) % 3]!;
      after.params.forEach((v, i) => {
        if (mask[i] === 0) assert.equal(v, before[i], `entry ${i} outside sub-net ${(after.progress.step - 1) % 3} moved`);
        else if (v !== before[i]) moved++;
      });
    });
    assert.ok(moved > 0);
  });

  test('density sub-nets prune from dense to their densities by the ramp end; N:M sub-nets keep their pattern', async () => {
    const theta = model.init(5);
    const density = subnetsHook({ layout: model.layout, patterns: parseSubnets('0.5,0.25'), totalSteps: 20, every: 4, rampEnd: 12, gradient: async (params) => ({ grad: params.map((_, i) => Math.sin(i)), queries: 3 }) });
    assert.deepEqual(density.init(theta).masks.map((m) => maskDensity(m, entries)), [1, 1], 'dense at the start');
    const stepper: Stepper = { estimator: createEstimator('bp', { model, objective, seed: 2 }), optimizer: adam(1e-2), hooks: [density] };
    const plain = { ...stepper, hooks: [] };
    const state = await run(stepper, theta.slice(), 20);
    const n = entries.reduce((s, e) => s + e.size, 0);
    (state.hooks[SUBNETS_HOOK] as SubnetsState).masks.forEach((m, i) => assert.ok(Math.abs(maskDensity(m, entries) - [0.5, 0.25][i]!) <= 1 / n, `sub-net ${i}`));
    // Mask updates after steps 4, 8, …, 20 and (sub-net 1, shifted by 2) 2, 6, …, 18: ten regrowth gradients of 3 queries beyond the steps' own.
    const dense = await run(plain, theta.slice(), 20);
    assert.equal(state.progress.queries - dense.progress.queries, 10 * 3);

    const nm = subnetsHook({ layout: model.layout, patterns: parseSubnets('2:4,1:4'), totalSteps: 8, every: 2, rampEnd: 0 });
    const after = await run({ ...stepper, hooks: [nm] }, theta.slice(), 8);
    (after.hooks[SUBNETS_HOOK] as SubnetsState).masks.forEach((m, i) => assert.equal(maskDensity(m, entries), [0.5, 0.25][i]));
  });

  test('correction hook: sub-net 0 opens each group uncorrected; a conflicting next sub-net is projected off the one before', () => {
    const hook = gradientCorrectionHook({ layout: model.layout, subnets: 2, mode: 'plain' });
    const p = model.layout.size;
    const g = Float32Array.from({ length: p }, (_, i) => Math.cos(i));
    const estimate = (grad: Float32Array) => ({ grad, loss: 1, queries: 1, perExample: { loss: new Float32Array(1) } });
    const context = (step: number) => ({ params: new Float32Array(p), batch: undefined as never, step });
    const first = hook.afterEstimate!(hook.init(g), estimate(g), context(0));
    assert.equal(first.estimate.grad, g, 'sub-net 0: untouched');
    const opposed = hook.afterEstimate!(first.state, estimate(g.map((v) => -v)), context(1));
    assert.ok(opposed.estimate.grad!.every((v) => Math.abs(v) < 1e-5), 'the conflicting gradient is projected to zero');
    assert.equal(opposed.state.projections, model.layout.entries.length);
    const agreeing = hook.afterEstimate!(first.state, estimate(g.map((v) => 2 * v)), context(1));
    assert.deepEqual(agreeing.estimate.grad, g.map((v) => 2 * v), 'an agreeing gradient is left as it is');
    const nextGroup = hook.afterEstimate!(opposed.state, estimate(g), context(2));
    assert.equal(nextGroup.estimate.grad, g, 'sub-net 0 of the next group: untouched');
  });
});
