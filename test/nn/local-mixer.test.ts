import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOCAL_MIXER_PRESETS } from '../../src/nn/local-mixer.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { adam } from '../../src/optim/aliases.js';
import { initTrainState, trainStep } from '../../src/train/step.js';
import { make, randomBatch } from '../estimators/fixtures.js';

// Ren et al. (2023), Table 2: parameter counts of the presets (S and M/1 on MNIST, the rest on CIFAR-10).
const PAPER: Record<string, { params: number; input: number[] }> = {
  'S/1/1': { params: 272e3, input: [1, 28, 28] },
  'M/1/16': { params: 429e3, input: [1, 28, 28] },
  'M/8/16': { params: 919e3, input: [3, 32, 32] },
  'L/8/64': { params: 13.1e6, input: [3, 32, 32] },
};

describe('LocalMixer presets', () => {
  test('every preset has a paper row', () => assert.deepEqual(Object.keys(LOCAL_MIXER_PRESETS), Object.keys(PAPER)));

  for (const [preset, { params, input }] of Object.entries(PAPER)) {
    test(`${preset}: the paper's parameter count (±1%) and a few lg-fg-a steps without NaN`, async () => {
      const model = modelFromSpec(`localmixer:${preset}`, input, 10);
      assert.ok(Math.abs(model.layout.size / params - 1) < 0.01, `${model.layout.size} parameters vs ${params}`);
      const stepper = { estimator: make('lg-fg-a', model, {}, 1), optimizer: adam(1e-3) };
      let state = initTrainState(stepper, model.init(1), 4);
      const batch = randomBatch(4, input, 10);
      // trainStep throws on a NaN or infinite loss or gradient.
      for (let step = 0; step < 3; step++) state = (await trainStep(stepper, state, batch)).state;
      assert.ok(state.params.every(Number.isFinite));
      await stepper.estimator.dispose();
    });
  }

  test('bad configurations are refused with the reason', () => {
    assert.throws(() => modelFromSpec('localmixer:M/3/16', [1, 28, 28], 10), /use a preset \(S\/1\/1, M\/1\/16, M\/8\/16, L\/8\/64\) or blocks=/);
    assert.throws(() => modelFromSpec('localmixer:blocks=1,patches=3,channels=8,groups=2', [1, 28, 28], 10), /do not split into 3×3 patches/);
    assert.throws(() => modelFromSpec('localmixer:blocks=1,patches=2,channels=8,groups=3', [1, 28, 28], 10), /3 groups do not divide 8 channels/);
    assert.throws(() => modelFromSpec('localmixer:S/1/1', [784], 10), /needs image inputs/);
  });
});
