import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { modelFromSpec } from '../../src/nn/factories.js';
import { loadModel } from '../../src/nn/load-model.js';
import { VIT_PRESETS, vitConfig } from '../../src/nn/vit.js';
import { MODELS, batchOf, fashion, loss, trainSteps } from './onnx-fixtures.js';

describe('ViT', () => {
  test("vit:tiny has the foreign vit-tiny's architecture: same parameter count, same tensor sizes", async () => {
    const ours = modelFromSpec('vit:tiny', [1, 28, 28], 10);
    const theirs = await loadModel(`onnx:${MODELS}vit-tiny.onnx`, [1, 28, 28], 10);
    assert.equal(ours.layout.size, 72_074);
    assert.equal(theirs.layout.size, ours.layout.size);
    const sizes = (m: typeof ours) => m.layout.entries.map((e) => e.size).sort((a, b) => a - b);
    // PyTorch keeps q, k and v biases in one in_proj_bias, as our qkv layer does.
    assert.deepEqual(sizes(theirs), sizes(ours));
  });

  test('specs: presets and key=value lists; bad ones name what is wrong', () => {
    assert.deepEqual(vitConfig('tiny'), VIT_PRESETS.tiny);
    assert.deepEqual(vitConfig('dim=32,heads=2'), { ...VIT_PRESETS.tiny, dim: 32, heads: 2 });
    assert.equal(modelFromSpec('vit:patch=4,dim=32,heads=2,mlp=64,layers=1', [1, 28, 28], 10).layout.size, 16 * 32 + 32 + 32 + 50 * 32 + (64 + 32 * 96 + 96 + 32 * 32 + 32 + 64 + 32 * 64 + 64 + 64 * 32 + 32) + 64 + 32 * 10 + 10);
    assert.throws(() => vitConfig('depth=3'), /vit 'depth=3': expected a preset \(tiny, small\) or patch=<n>,dim=<n>,heads=<n>,mlp=<n>,layers=<n>/);
    assert.throws(() => modelFromSpec('vit:dim=30,heads=4', [1, 28, 28], 10), /vit: 4 heads do not divide dim 30/);
    assert.throws(() => modelFromSpec('vit:patch=5', [1, 28, 28], 10), /vit: images \[1, 28, 28\] do not split into 5×5 patches/);
    assert.throws(() => modelFromSpec('vit', [784], 10), /model 'vit' needs image inputs \[C, H, W\], got \[784\]/);
  });

  test('trains with backprop and with forward gradients; its MLP pre-activations are activity sites', async () => {
    const { train, test } = await fashion([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const model = modelFromSpec('vit:tiny', [1, 28, 28], 10);
    const { sites } = model.forward(model.inputTensor(), model.paramInputs());
    assert.deepEqual(sites.map((s) => s.scope), ['blocks.0/act', 'blocks.1/act']);
    const held = batchOf(test, 0, 256);
    const start = model.init(0);
    const before = await loss(model, start, held);
    const bp = await trainSteps(model, start, train, { steps: 25, batch: 64, lr: 3e-3 });
    assert.ok((await loss(model, bp, held)) < before - 0.5, `bp: ${before.toFixed(3)} → ${(await loss(model, bp, held)).toFixed(3)}`);
    for (const method of ['fg-a', 'spsa']) {
      const theta = await trainSteps(model, start, train, { steps: 20, batch: 64, lr: method === 'fg-a' ? 1e-2 : 3e-3, method, options: { directions: 2 } });
      assert.ok((await loss(model, theta, held)) < before, `${method}: ${before.toFixed(3)} → ${(await loss(model, theta, held)).toFixed(3)}`);
    }
  });
});
