import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { batches } from '../../src/data/batches.js';
import { parity } from '../../src/data/parity.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import type { Estimate, Estimator, LossOnlyEstimator } from '../../src/estimators/estimator.js';
import { GUARD_WARNING, type MgdState } from '../../src/estimators/mgd-loop.js';
import { type CodeOptions, PerturbationCode, hadamardEntry, walshOrder } from '../../src/estimators/perturbation-codes.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { mseObjective } from '../../src/objectives/objective.js';
import { sgd } from '../../src/optim/aliases.js';
import { updateNoise } from '../../src/optim/wrappers.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { type Stepper, initTrainState, trainStep } from '../../src/train/step.js';
import { Evaluator } from '../../src/train/evaluate.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE, train } from '../../src/train/trainer.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';
import { cosine, exactGradient } from './fixtures.js';

const P = 6;
const random = testRandom(9);
const slope = Float64Array.from(normals(P, random));
const curvature = Float64Array.from({ length: P }, (_, i) => 0.2 + 0.1 * i);
/** ℓ(θ) = g·θ + ½ Σ hⱼθⱼ², the same for every example: ∇ = g + hθ. */
const quadratic = (theta: ArrayLike<number>, offset = 0) => {
  let s = 0;
  for (let j = 0; j < P; j++) s += slope[j]! * theta[offset + j]! + 0.5 * curvature[j]! * theta[offset + j]! ** 2;
  return s;
};
const batchOf = (n = 1) => ({ x: HostTensor.zeros('float32', [n, 1]), y: new HostTensor('int64', [n], new BigInt64Array(n)) });
const theta = Float32Array.from(normals(P, random), (v) => 0.3 * v);
const exact = Float64Array.from(theta, (t, j) => slope[j]! + curvature[j]! * t);

/** A black box of ℓ, counting its queries (one per copy of the single example). */
function quadraticBox(): { oracle: BlackBoxLossOracle; queries: () => number } {
  let queries = 0;
  const oracle = new BlackBoxLossOracle(P, async ({ params, examples }) => {
    queries += examples.length;
    return Float32Array.from(examples, (_, q) => quadratic(params, q * P));
  });
  return { oracle, queries: () => queries };
}

function mgdOn(oracle: BlackBoxLossOracle, options: Record<string, unknown>, seed = 4): LossOnlyEstimator<MgdState> {
  return createEstimator('mgd', { oracle, seed }, options) as LossOnlyEstimator<MgdState>;
}

/** Steps 0 … n − 1 from a fresh state, θ fixed; the estimates in order. */
async function run(estimator: Estimator, n: number, params = theta): Promise<Estimate[]> {
  let state = estimator.init(params);
  const estimates: Estimate[] = [];
  for (let step = 0; step < n; step++) {
    const next = await estimator.estimate(state, { params, batch: batchOf(), step });
    estimates.push(next.estimate);
    state = next.state;
  }
  return estimates;
}

function meanGrad(estimates: readonly Estimate[]): Float64Array {
  const mean = new Float64Array(P);
  for (const e of estimates) for (let j = 0; j < P; j++) mean[j]! += e.grad![j]! / estimates.length;
  return mean;
}

const CODE: CodeOptions = { code: 'cdma', amplitude: 1e-3, sparsity: 1, fdmaLow: 0.1, fdmaHigh: 0.35, taup: 1 };

describe('perturbation codes', () => {
  test('walsh: the rows of the Sylvester–Hadamard matrix are orthogonal, and over a cycle Σ θ̃θ̃ᵀ = (Δ²/n)·H·I', () => {
    for (const h of [2, 4, 8, 16]) {
      for (let r = 0; r < h; r++) {
        for (let s = 0; s < h; s++) {
          let dot = 0;
          for (let c = 0; c < h; c++) dot += hadamardEntry(r, c) * hadamardEntry(s, c);
          assert.equal(dot, r === s ? h : 0, `H${h} rows ${r}, ${s}`);
        }
      }
    }
    const n = 5;
    const h = walshOrder(n);
    assert.equal(h, 8);
    const code = new PerturbationCode(n, { ...CODE, code: 'walsh', amplitude: 2 }, 3);
    const outer = new Float64Array(n * n);
    const slot = new Float32Array(n);
    for (let k = 0; k < h; k++) {
      code.fill(slot, k);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) outer[i * n + j]! += slot[i]! * slot[j]!;
    }
    assertAllClose(outer, Array.from({ length: n * n }, (_, ij) => (ij % (n + 1) === 0 ? (4 / n) * h : 0)), { atol: 1e-6, what: 'Σ θ̃θ̃ᵀ' });
  });

  test('every code has ‖θ̃‖ = Δ on average and is the same for the same seed and slot', () => {
    for (const name of ['tdma', 'cdma', 'walsh', 'fdma'] as const) {
      for (const sparsity of name === 'cdma' ? [1, 0.25] : [1]) {
        const n = 64;
        const code = new PerturbationCode(n, { ...CODE, code: name, amplitude: 3, sparsity, fdmaLow: 0.05, fdmaHigh: 0.45 }, 7);
        const slot = new Float32Array(n);
        let squares = 0;
        for (let k = 0; k < 400; k++) {
          code.fill(slot, k);
          squares += slot.reduce((s, v) => s + v * v, 0) / 400;
        }
        assert.ok(Math.abs(Math.sqrt(squares) - 3) < 0.05, `${name} ρ=${sparsity}: rms norm ${Math.sqrt(squares)}`);
        const again = new Float32Array(n);
        new PerturbationCode(n, { ...CODE, code: name, amplitude: 3, sparsity, fdmaLow: 0.05, fdmaHigh: 0.45 }, 7).fill(again, 123);
        code.fill(slot, 123);
        assert.deepEqual(again, slot);
      }
    }
  });

  test('bad options name the flag', () => {
    const make = (o: Partial<CodeOptions>) => new PerturbationCode(4, { ...CODE, ...o }, 0);
    assert.throws(() => make({ amplitude: 0 }), /--amplitude \(Δ\) must be a positive number, got 0/);
    assert.throws(() => make({ sparsity: 1.5 }), /--sparsity must be in \(0, 1\], got 1.5/);
    assert.throws(() => make({ sparsity: 0 }), /--sparsity must be in \(0, 1\], got 0/);
    assert.throws(() => make({ code: 'walsh', sparsity: 0.5 }), /--sparsity applies to --code cdma only, not walsh/);
    assert.throws(() => make({ code: 'fdma', fdmaHigh: 0.5 }), /--fdma-high 0.5 must be below the Nyquist frequency 0.5\/τp = 0.5 cycles per step \(--taup 1\)/);
    assert.throws(() => make({ code: 'fdma', fdmaHigh: 0.3, taup: 2 }), /--fdma-high 0.3 must be below the Nyquist frequency 0.5\/τp = 0.25/);
    assert.throws(() => make({ code: 'fdma', fdmaLow: 0.4, fdmaHigh: 0.3 }), /--fdma-low must be positive and at most --fdma-high/);
    assert.throws(() => make({ taup: 1.5 }), /--taup must be a positive integer, got 1.5/);
    assert.throws(() => make({ code: 'qdma' as 'tdma' }), /--code must be one of tdma, cdma, walsh, fdma; got 'qdma'/);
  });
});

describe('mgd estimates the gradient (per-parameter normalisation) on a quadratic', () => {
  test('tdma over P steps, walsh over a cycle and fdma over a period give ∇ℓ up to O(Δ)', async () => {
    const cycles: [string, number, Record<string, unknown>][] = [
      ['tdma', P, {}],
      ['walsh', walshOrder(P), {}],
      // Frequencies 0.1, 0.15, …, 0.35: a common period of 20 steps.
      ['fdma', 20, { fdmaLow: 0.1, fdmaHigh: 0.35 }],
    ];
    for (const [code, steps, extra] of cycles) {
      const mean = meanGrad(await run(mgdOn(quadraticBox().oracle, { code, amplitude: 1e-3, ...extra }), steps));
      assertAllClose(mean, exact, { atol: 2e-3, rtol: 2e-3, what: code });
    }
  });

  test('cdma, dense and sparse: the mean of many estimates is ∇ℓ within sampling error', async () => {
    for (const sparsity of [1, 0.5]) {
      const estimates = await run(mgdOn(quadraticBox().oracle, { code: 'cdma', amplitude: 1e-3, sparsity }), 6000);
      const mean = meanGrad(estimates);
      for (let j = 0; j < P; j++) {
        const variance = estimates.reduce((s, e) => s + (e.grad![j]! - mean[j]!) ** 2, 0) / (estimates.length - 1);
        const error = Math.abs(mean[j]! - exact[j]!) / Math.sqrt(variance / estimates.length);
        assert.ok(error < 4.5, `ρ=${sparsity}, θ[${j}]: ${mean[j]} vs ${exact[j]} is ${error.toFixed(1)} standard errors away`);
      }
    }
  });

  test("the reference normalisation is P times smaller: tdma over P steps with τθ = P is the one-sided finite difference", async () => {
    const amplitude = 1e-2;
    const estimates = await run(mgdOn(quadraticBox().oracle, { code: 'tdma', amplitude, normalization: 'reference', tautheta: P }), P);
    assert.ok(estimates.slice(0, P - 1).every((e) => e.grad === undefined), 'no gradient between updates');
    const f32 = Math.fround;
    const c0 = f32(quadratic(theta));
    const difference = Float64Array.from({ length: P }, (_, i) => {
      const moved = theta.slice();
      moved[i] = moved[i]! + amplitude;
      return f32(f32(f32(f32(quadratic(moved)) - c0) / amplitude ** 2) * f32(amplitude));
    });
    assertAllClose(estimates[P - 1]!.grad!, difference, { rtol: 1e-6 });
    assertAllClose(difference, exact, { rtol: 0.05, atol: 0.01, what: 'the finite difference approximates ∇' });
  });
});

describe('the time constants', () => {
  test('τθ = 3 with τx = 3 is three steps of integration, then one update (a hand loop); C₀ is measured only when x or θ changed', async () => {
    const lr = 0.05;
    const { oracle, queries } = quadraticBox();
    const estimator = mgdOn(oracle, { code: 'cdma', amplitude: 0.01, tautheta: 3, taux: 3 });
    const stepper: Stepper = { estimator, optimizer: sgd(lr) };
    let state = initTrainState(stepper, theta.slice(), 1);
    const hand = Float64Array.from(theta);
    let integrated = new Float64Array(P);
    let c0 = 0;
    for (let step = 0; step < 9; step++) {
      const perturbation = estimator.ask(state.estimator as MgdState, { params: state.params, batch: batchOf(), step })!.perturbation;
      assert.equal(perturbation.kind, 'offsets');
      const offsets = perturbation.kind === 'offsets' ? perturbation.offsets : new Float32Array();
      assert.equal(offsets.length, (step % 3 === 0 ? 2 : 1) * P, `step ${step}: copies`);
      const tilde = offsets.subarray(offsets.length - P);
      if (step % 3 === 0) c0 = Math.fround(quadratic(Float32Array.from(hand)));
      const c = Math.fround(quadratic(Float32Array.from(hand, (t, j) => t + tilde[j]!)));
      for (let j = 0; j < P; j++) integrated[j]! += ((c - c0) * tilde[j]! * P) / 0.01 ** 2;
      if (step % 3 === 2) {
        for (let j = 0; j < P; j++) hand[j]! -= lr * integrated[j]!;
        integrated = new Float64Array(P);
      }
      const next = await trainStep(stepper, state, batchOf());
      assert.equal(next.estimate.grad !== undefined, step % 3 === 2, `step ${step}: an update`);
      state = next.state;
    }
    assert.equal(state.progress.updates, 3);
    assert.equal(queries(), 3 * 2 + 6);
    assertAllClose(state.params, hand, { rtol: 1e-4, atol: 1e-6 });
  });

  test('τp holds the perturbation for τp steps, for every code', async () => {
    for (const code of ['tdma', 'cdma', 'walsh', 'fdma']) {
      const estimator = mgdOn(quadraticBox().oracle, { code, taup: 3, fdmaHigh: 0.15 });
      const rows = [0, 1, 2, 3].map((step) => {
        const p = estimator.ask(estimator.init(theta), { params: theta, batch: batchOf(), step })!.perturbation;
        return p.kind === 'offsets' ? p.offsets.slice(P) : new Float32Array();
      });
      assert.deepEqual(rows[1], rows[0], code);
      assert.deepEqual(rows[2], rows[0], code);
      assert.notDeepEqual(rows[3], rows[0], code);
    }
  });

  test('analog mode: the high-pass cost and the low-pass integrator follow their difference equations', async () => {
    const costs = Array.from({ length: 12 }, (_, n) => Math.fround(Math.sin(n) + 0.1 * n));
    let call = 0;
    const oracle = new BlackBoxLossOracle(P, async () => Float32Array.of(costs[call++]!));
    const [tauhp, tautheta, amplitude] = [1.6, 4, 0.1];
    const estimator = mgdOn(oracle, { mode: 'analog', tauhp, tautheta, amplitude, taux: 100 });
    let state = estimator.init(theta);
    const a = tauhp / (tauhp + 1);
    let filtered = 0;
    const integrated = new Float64Array(P);
    for (let step = 0; step < costs.length; step++) {
      const request = { params: theta, batch: batchOf(), step };
      const p = estimator.ask(state, request)!.perturbation;
      const tilde = p.kind === 'offsets' ? p.offsets : new Float32Array();
      assert.equal(tilde.length, P, 'one cost measurement per step, no baseline');
      filtered = a * (filtered + costs[step]! - costs[Math.max(0, step - 1)]!);
      for (let j = 0; j < P; j++) integrated[j] = (Math.fround(filtered * P / amplitude ** 2) * tilde[j]! + tautheta * integrated[j]!) / (tautheta + 1);
      const next = await estimator.estimate(state, request);
      state = next.state;
      assertAllClose(next.estimate.grad!, integrated, { rtol: 1e-4, atol: 1e-7, what: `step ${step}` });
    }
  });
});

describe('guards', () => {
  /** Cost 1 at θ, `perturbed` anywhere else. */
  const scripted = (perturbed: number) =>
    new BlackBoxLossOracle(P, async ({ params, examples }) => Float32Array.from(examples, (_, q) => (params.subarray(q * P, (q + 1) * P).every((v, j) => v === theta[j]) ? 1 : perturbed)));

  test('the clamp bounds |C̃|', async () => {
    const estimator = mgdOn(scripted(100), { costLimit: 0.5, amplitude: 0.1 });
    const request = { params: theta, batch: batchOf(), step: 0 };
    const p = estimator.ask(estimator.init(theta), request)!.perturbation;
    const tilde = p.kind === 'offsets' ? p.offsets.subarray(P) : new Float32Array();
    const { grad } = (await estimator.estimate(estimator.init(theta), request)).estimate;
    assertAllClose(grad!, Array.from(tilde, (t) => Math.fround((0.5 * P) / 0.01) * t), { rtol: 1e-6 });
  });

  test('NaN and infinite costs leave a zero gradient and a warning, and the integrator stays finite', async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const estimator = mgdOn(scripted(bad), { tautheta: 2 });
      const [first, second] = await run(estimator, 2);
      assert.deepEqual(first!.warnings, [GUARD_WARNING]);
      assert.deepEqual(second!.grad, new Float32Array(P));
      assert.equal(second!.loss, 1, 'the loss is the baseline cost, measured at θ');
    }
  });
});

describe('node perturbation', () => {
  const model = mlp([3, 4, 2], { activation: 'sigmoid', output: 'sigmoid' });
  const params = model.init(2);
  const objective = mseObjective();
  const x = Float32Array.from(normals(8 * 3, testRandom(3)));
  const y = Float32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const batch = { x: new HostTensor('float32', [8, 3], x), y: new HostTensor('float32', [8, 2], y) };

  test('the mean of many estimates is the gradient of the batch (per-example costs, one ζ per neuron)', async () => {
    const estimator = createEstimator('mgd', { model, objective, seed: 1 }, { perturb: 'nodes', amplitude: 1e-3 });
    const bp = createEstimator('bp', { model, objective, seed: 1 });
    const exactGrad = (await bp.estimate(bp.init(params), { params, batch, step: 0 })).estimate.grad!;
    const mean = new Float64Array(params.length);
    const steps = 3000;
    for (let step = 0; step < steps; step++) {
      const { grad, queries } = (await estimator.estimate(estimator.init(params), { params, batch, step })).estimate;
      assert.equal(queries, 2 * 8);
      for (let j = 0; j < mean.length; j++) mean[j]! += grad![j]! / steps;
    }
    assert.ok(cosine(mean, exactGrad) > 0.99, `cosine ${cosine(mean, exactGrad)}`);
    await Promise.all([estimator.dispose(), bp.dispose()]);
  });

  test('a readout without a nonlinearity is perturbed at the output, so every weight learns', async () => {
    const relu = mlp([3, 5, 2]);
    const theta0 = relu.init(1);
    const labels = { x: batch.x, y: new HostTensor('int64', [8], BigInt64Array.from({ length: 8 }, (_, i) => BigInt(i % 2))) };
    const estimator = createEstimator('mgd', { model: relu, objective: (await import('./fixtures.js')).CE, seed: 1 }, { perturb: 'nodes', amplitude: 1e-3 });
    const mean = new Float64Array(theta0.length);
    for (let step = 0; step < 2000; step++) {
      const { grad } = (await estimator.estimate(estimator.init(theta0), { params: theta0, batch: labels, step })).estimate;
      for (let j = 0; j < mean.length; j++) mean[j]! += grad![j]! / 2000;
    }
    assert.ok(cosine(mean, await exactGradient(relu, theta0, labels)) > 0.98, `cosine ${cosine(mean, await exactGradient(relu, theta0, labels))}`);
    await estimator.dispose();
  });

  test('node perturbation refuses a black box', () => {
    const { oracle } = quadraticBox();
    assert.throws(() => createEstimator('mgd', { oracle, seed: 0 }, { perturb: 'nodes' }), { name: 'TypeError', message: /--perturb nodes .* a black box offers losses only: use --perturb weights/ });
    assert.throws(() => createEstimator('mgd', { model, objective, oracle, seed: 0 }, { perturb: 'nodes' }), /a black box offers losses only/);
  });
});

describe('training', () => {
  test('XOR ([2, 2, 1], sigmoid, MSE) trains to 100% with cdma', async () => {
    const data = parity(2);
    const model = mlp([2, 2, 1], { activation: 'sigmoid', output: 'sigmoid' });
    const objective = mseObjective();
    const estimator = createEstimator('mgd', { model, objective, seed: 0 }, { code: 'cdma', amplitude: 0.05 });
    const stepper: Stepper = { estimator, optimizer: sgd(1) };
    let state = initTrainState(stepper, model.init(0), data.train.size);
    for (let epoch = 0; state.progress.step < 3000; epoch++) {
      for (const b of batches(data.train, { batchSize: 4, seed: 0, epoch })) state = (await trainStep(stepper, state, b)).state;
    }
    const evaluator = new Evaluator(model, objective);
    assert.equal((await evaluator.evaluate(state.params, data.test)).accuracy, 1);
    await Promise.all([estimator.dispose(), evaluator.dispose()]);
  });
});

describe('hardware noise', () => {
  /** θ after 60 steps of XOR with cdma, the network, cost noise and update noise given. */
  async function xor(spec: string, options: Record<string, unknown>, writeNoise: number): Promise<Float32Array> {
    const data = parity(2);
    const model = modelFromSpec(spec, [2], 1);
    const estimator = createEstimator('mgd', { model, objective: mseObjective(), seed: 0 }, { amplitude: 0.05, ...options });
    const stepper: Stepper = { estimator, optimizer: updateNoise(writeNoise, 3, sgd(1)) };
    let state = initTrainState(stepper, model.init(0), data.train.size);
    for (let epoch = 0; epoch < 15; epoch++) for (const b of batches(data.train, { batchSize: 1, seed: 0, epoch })) state = (await trainStep(stepper, state, b)).state;
    await estimator.dispose();
    return state.params;
  }

  test('zero noise (Cσ, θσ, device σ) reproduces the clean run bit for bit; each noise, when present, changes it and is fixed by its seed', async () => {
    const plain = 'mlp:2-2-1:sigmoid:sigmoid';
    const clean = await xor(plain, {}, 0);
    assert.deepEqual(await xor(`${plain}:variation=0,seed=4`, { costNoise: 0 }, 0), clean);
    const noisyCost = await xor(plain, { costNoise: 1e-3 }, 0);
    assert.notDeepEqual(noisyCost, clean);
    assert.deepEqual(await xor(plain, { costNoise: 1e-3 }, 0), noisyCost);
    assert.notDeepEqual(await xor(plain, {}, 1e-3), clean);
    assert.notDeepEqual(await xor(`${plain}:variation=0.1,seed=4`, {}, 0), clean);
  });
});

describe('through train(): 4-bit parity, a sigmoid MLP [4, 8, 1] under MSE', () => {
  const parity4: TrainConfig = { ...DEFAULT_CONFIG, dataset: 'parity:4', objective: 'mse', model: 'mlp:4-8-1:sigmoid:sigmoid', optimizer: 'sgd', schedule: 'constant', seed: 0 };

  test('bp (lr 10, full batch, 1500 steps) and mgd (cdma, lr 0.3, batch 4, 4000 steps) both reach 90%', async () => {
    const bp = await train({ ...parity4, method: 'bp', lr: 10, batchSize: 16, epochs: 1500 });
    assert.ok(bp.test_acc >= 0.9, `bp reached ${bp.test_acc}`);
    const mgd = await train({ ...parity4, method: 'mgd', options: { amplitude: 0.05 }, lr: 0.3, batchSize: 4, epochs: 1000 });
    assert.ok(mgd.test_acc >= 0.9, `mgd reached ${mgd.test_acc}`);
    assert.equal(mgd.queries, 2 * 4 * 4000, 'two cost measurements per step at τθ = τx = 1');
  });

  test('a resumed run continues bit for bit: held batches (τx = 2), integration (τθ = 3), per-example baselines (nodes)', async () => {
    const variants: Record<string, number | string>[] = [{ taux: 2, tautheta: 3 }, { perturb: 'nodes', taux: 2, tautheta: 3 }, { mode: 'analog', taux: 5 }];
    for (const options of variants) {
      const base: TrainConfig = { ...parity4, method: 'mgd', options, lr: 0.3, batchSize: 4, epochs: 3 };
      const [full, split] = [await mkdtemp(join(tmpdir(), 'fp-mgd-')), await mkdtemp(join(tmpdir(), 'fp-mgd-'))];
      await train(base, { out: full });
      await train({ ...base, steps: 7 }, { out: split });
      await train(base, { out: split, resume: true });
      const [x, y] = [await loadCheckpoint(join(full, CHECKPOINT_FILE)), await loadCheckpoint(join(split, CHECKPOINT_FILE))];
      assert.deepEqual(y.params, x.params, JSON.stringify(options));
      assert.deepEqual(y.extras, x.extras, JSON.stringify(options));
    }
  });
});
