import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { float32Output } from '../../src/engine/runtime/backend.js';
import { sigmoidConstants } from '../../src/nn/layers/device-sigmoid.js';
import { mlp, modelFromSpec } from '../../src/nn/factories.js';
import type { Model } from '../../src/nn/model.js';
import { assertAllClose } from '../helpers.js';

/** The model's outputs for inputs x [b, features]. */
async function outputs(model: Model, theta: Float32Array, x: Float32Array): Promise<Float32Array> {
  const input = model.inputTensor();
  const params = model.paramInputs();
  const program = await compile({ inputs: [input, ...params], outputs: [model.forward(input, params).out] });
  const b = x.length / model.inputShape[0]!;
  const out = float32Output(await program.run({ x: new HostTensor('float32', [b, ...model.inputShape], x), ...model.paramFeeds(theta) }), 0);
  await program.dispose();
  return out;
}

test("the MGD papers' CNNs have their parameter counts: Fashion-MNIST 14,378, CIFAR-10 26,154 (Glorot uniform)", () => {
  assert.equal(modelFromSpec('cnn', [1, 28, 28], 10).layout.size, 14_378);
  const cifar = modelFromSpec('cnn:cifar10', [3, 32, 32], 10);
  assert.equal(cifar.layout.size, 26_154);
  assert.equal(cifar.spec, 'cnn:cifar10');
  assert.deepEqual(cifar.layout.entries.map((e) => e.shape), [[16, 3, 3, 3], [16], [32, 16, 3, 3], [32], [64, 32, 3, 3], [64], [256, 10], [10]]);
  // Glorot uniform: every weight within ±√(6 / (fanIn + fanOut)), biases zero.
  const theta = cifar.init(0);
  const conv3 = cifar.layout.view(theta, cifar.layout.entries[4]!.name);
  const bound = Math.sqrt(6 / (32 * 9 + 64 * 9));
  assert.ok(conv3.every((w) => Math.abs(w) <= bound) && Math.max(...conv3.map(Math.abs)) > 0.9 * bound);
  assert.throws(() => modelFromSpec('cnn:imagenet', [3, 32, 32], 10), /expected cnn \(the Fashion-MNIST network\) or cnn:cifar10/);
});

test('a sigmoid MLP: sigmoid on every layer, weights and biases from U(−0.5, 0.5), outputs in (0, 1)', async () => {
  const model = modelFromSpec('mlp:4-8-1:sigmoid:sigmoid', [4], 1);
  assert.equal(model.spec, 'mlp:4-8-1:sigmoid:sigmoid');
  assert.equal(model.layout.size, 4 * 8 + 8 + 8 + 1);
  const theta = model.init(3);
  assert.ok(theta.every((v) => Math.abs(v) <= 0.5), 'every parameter in [−0.5, 0.5]');
  assert.ok(model.layout.view(theta, model.layout.entries[1]!.name).some((b) => b !== 0), 'biases drawn too');
  const { sites } = model.forward(model.inputTensor(), model.paramInputs());
  assert.equal(sites.length, 2, 'both pre-activations are activity sites');
  const x = Float32Array.from({ length: 16 * 4 }, (_, i) => (i * 7) % 2);
  const out = await outputs(model, theta, x);
  // By hand: σ(σ(x W₁ + b₁) W₂ + b₂).
  const [w1, b1, w2, b2] = model.layout.entries.map((e) => model.layout.view(theta, e.name));
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const expected = Array.from({ length: 16 }, (_, n) => {
    const hidden = Array.from({ length: 8 }, (_, j) => sigmoid([0, 1, 2, 3].reduce((s, i) => s + x[n * 4 + i]! * w1![i * 8 + j]!, b1![j]!)));
    return sigmoid(hidden.reduce((s, h, j) => s + h * w2![j]!, b2![0]!));
  });
  assertAllClose(out, expected, { rtol: 1e-5 });
  assert.throws(() => modelFromSpec('mlp:4-8-1:tanh', [4], 1), /expected mlp:<dims>\[:relu\|gelu\|sigmoid/);
  assert.throws(() => mlp([4, 8, 1], { variation: { sigma: 0.1, seed: 0 } }), /device variation applies to sigmoid neurons/);
});

test('device variation: each neuron has its own curve, fixed by the seed; σ = 0 is the plain network', async () => {
  const spec = (sigma: number, seed: number) => `mlp:4-8-1:sigmoid:sigmoid:variation=${sigma},seed=${seed}`;
  const a = sigmoidConstants(8, 0, { sigma: 0.2, seed: 5 });
  assert.deepEqual(sigmoidConstants(8, 0, { sigma: 0.2, seed: 5 }), a, 'the same device for the same seed');
  assert.notDeepEqual(sigmoidConstants(8, 0, { sigma: 0.2, seed: 6 }), a, 'another device for another seed');
  assert.notDeepEqual(sigmoidConstants(8, 1, { sigma: 0.2, seed: 5 }).midpoint, a.midpoint, 'each layer its own');
  assert.ok(a.steepness.every((k) => k !== 1) && a.amplitude.some((l) => l > 1) && a.midpoint.some((m) => m < 0));
  const x = Float32Array.from({ length: 16 * 4 }, (_, i) => (i * 5) % 3);
  const plain = modelFromSpec('mlp:4-8-1:sigmoid:sigmoid', [4], 1);
  const theta = plain.init(1);
  const clean = await outputs(plain, theta, x);
  assert.deepEqual(await outputs(modelFromSpec(spec(0, 3), [4], 1), theta, x), clean, 'σ = 0: bit for bit the plain network');
  const varied = await outputs(modelFromSpec(spec(0.2, 5), [4], 1), theta, x);
  assert.deepEqual(await outputs(modelFromSpec(spec(0.2, 5), [4], 1), theta, x), varied);
  assert.ok(varied.some((v, i) => Math.abs(v - clean[i]!) > 1e-3), 'σ > 0 changes the outputs');
  // By hand for the output neuron: L σ(k(z − x₀)) + y₀ of the hidden layer's varied outputs.
  const model = modelFromSpec(spec(0.2, 5), [4], 1);
  const [w1, b1, w2, b2] = model.layout.entries.map((e) => model.layout.view(theta, e.name));
  const [h, o] = [sigmoidConstants(8, 0, { sigma: 0.2, seed: 5 }), sigmoidConstants(1, 1, { sigma: 0.2, seed: 5 })];
  const neuron = (c: typeof h, j: number, z: number) => c.amplitude[j]! / (1 + Math.exp(-c.steepness[j]! * (z - c.midpoint[j]!))) + c.offset[j]!;
  const expected = Array.from({ length: 16 }, (_, n) => {
    const hidden = Array.from({ length: 8 }, (_, j) => neuron(h, j, [0, 1, 2, 3].reduce((s, i) => s + x[n * 4 + i]! * w1![i * 8 + j]!, b1![j]!)));
    return neuron(o, 0, hidden.reduce((s, v, j) => s + v * w2![j]!, b2![0]!));
  });
  assertAllClose(varied, expected, { rtol: 1e-5 });
  assert.throws(() => modelFromSpec('mlp:4-8-1:sigmoid:sigmoid:variation=-1', [4], 1), /variation takes variation=<σ ≥ 0>/);
});
