import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { estimateOnce, make } from '../estimators/fixtures.js';
import { AdaptError, adapt } from '../../src/nn/adapt.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { loadModel } from '../../src/nn/load-model.js';
import { exportOnnxFile, onnxModel } from '../../src/nn/onnx-model.js';
import { onnxBytes } from '../engine/onnx-graphs.js';
import { assertAllClose } from '../helpers.js';
import { MODELS, assertCopies, batchOf, fashion, loss, outputs, trainSteps } from './onnx-fixtures.js';

const vit = () => loadModel(`onnx:${MODELS}vit-tiny.onnx`, [1, 28, 28], 10);

describe('adapting pretrained models', () => {
  test('trainable globs: θ holds only the chosen tensors, the rest are constants', async () => {
    const base = await vit();
    const theta0 = base.init(0);
    const head = adapt(base, theta0, { trainable: 'head.*,norm.*' });
    assert.deepEqual(head.layout.entries.map((e) => e.name), ['norm.weight', 'norm.bias', 'head.weight', 'head.bias']);
    assert.equal(head.layout.size, 64 + 64 + 640 + 10);
    const { test } = await fashion([5, 6, 7, 8, 9]);
    const x = batchOf(test, 0, 8).x;
    assert.deepEqual(await outputs(head, head.init(0), x), await outputs(base, theta0, x), 'starts at the pretrained model');
    const { train } = await fashion([5, 6, 7, 8, 9]);
    const trained = await trainSteps(head, head.init(0), train, { steps: 10, batch: 64, lr: 1e-2 });
    const merged = head.merge(trained);
    const changed = base.layout.entries.filter((e) => base.layout.view(merged, e.name).some((v, i) => v !== base.layout.view(theta0, e.name)[i])).map((e) => e.name);
    assert.deepEqual(changed, ['norm.weight', 'norm.bias', 'head.weight', 'head.bias'], 'only the trainable tensors move');
    assertAllClose(await outputs(base, merged, x), await outputs(head, trained, x), { rtol: 1e-6, atol: 1e-6, what: 'merged base vs adapted' });
    await assertCopies(head, [trained, head.init(0)], x);
  });

  test('LoRA: rank-r adapters are all that trains; the merged export equals the adapted model', async () => {
    const base = await vit();
    const theta0 = base.init(0);
    const rank = 4;
    const lora = adapt(base, theta0, { lora: { rank, alpha: 8, targets: 'onnx::MatMul_*' }, trainable: 'head.*' });
    const names = lora.layout.entries.map((e) => e.name);
    assert.deepEqual(names.slice(0, 2), ['head.weight', 'head.bias']);
    assert.deepEqual(lora.layout.get('onnx::MatMul_347.lora_A').shape, [rank, 64], 'A: [r, in] for a MatMul weight [in, out]');
    assert.deepEqual(lora.layout.get('onnx::MatMul_347.lora_B').shape, [192, rank], 'B: [out, r]');
    assert.equal(lora.layout.size, 650 + rank * (64 + 192) * 2 + rank * (64 + 128) * 2 + rank * (128 + 64) * 2);
    const { train, test } = await fashion([5, 6, 7, 8, 9]);
    const x = batchOf(test, 0, 8).x;
    const start = lora.init(1);
    assert.deepEqual(await outputs(lora, start, x), await outputs(base, theta0, x), 'B = 0: training starts at the pretrained model');
    const trained = await trainSteps(lora, start, train, { steps: 8, batch: 64, lr: 1e-2 });
    const held = batchOf(test, 0, 256);
    assert.ok((await loss(lora, trained, held)) < (await loss(lora, start, held)), 'the adapters learn');

    const merged = lora.merge(trained);
    for (const e of base.layout.entries) {
      const moved = base.layout.view(merged, e.name).some((v, i) => v !== base.layout.view(theta0, e.name)[i]);
      assert.equal(moved, e.name.startsWith('onnx::MatMul_') || e.name.startsWith('head.'), `${e.name} moved: ${moved}`);
    }
    // ΔW = (α/r) (B A)ᵀ for a [in, out] weight, recomputed here in float64.
    const [a, b] = [lora.layout.view(trained, 'onnx::MatMul_348.lora_A'), lora.layout.view(trained, 'onnx::MatMul_348.lora_B')];
    const [w0, w1] = [base.layout.view(theta0, 'onnx::MatMul_348'), base.layout.view(merged, 'onnx::MatMul_348')];
    const delta = Array.from({ length: 64 * 128 }, (_, j) => {
      const [i, o] = [Math.floor(j / 128), j % 128];
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[o * rank + k]! * a[k * 64 + i]!;
      return w0[j]! + 2 * s;
    });
    assertAllClose(w1, delta, { rtol: 1e-5, atol: 1e-6, what: 'merged weight' });

    const session = await ort.InferenceSession.create(exportOnnxFile(base, merged));
    const result = await session.run({ image: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    assertAllClose(result.logits!.data as Float32Array, await outputs(lora, trained, x), { rtol: 1e-4, atol: 1e-5, what: 'merged export vs adapted model' });
    await assertCopies(lora, [trained, start], x);
  });

  test('LoRA on nn layers ([in, out] weights) and on Gemm weights ([out, in])', async () => {
    const mlp = modelFromSpec('mlp:784-32-10', [784], 10);
    const theta = mlp.init(2);
    const adapted = adapt(mlp, theta, { lora: { rank: 2, targets: '*.weight' } });
    assert.deepEqual(adapted.layout.get('0.weight.lora_A').shape, [2, 784]);
    assert.deepEqual(adapted.layout.get('0.weight.lora_B').shape, [32, 2]);
    const x = new HostTensor('float32', [3, 784], Float32Array.from({ length: 3 * 784 }, (_, i) => Math.sin(i)));
    const moved = Float32Array.from(adapted.init(0), (v, i) => v + 0.01 * Math.cos(i));
    assertAllClose(await outputs(mlp, adapted.merge(moved), x), await outputs(adapted, moved, x), { rtol: 1e-4, atol: 1e-5, what: 'nn merge' });
    await assertCopies(adapted, [moved, adapted.init(0)], x);
    const gemm = await loadModel(`onnx:${MODELS}mlp.onnx`, [1, 28, 28], 10, { lora: { rank: 3, targets: 'net.1.weight' } });
    assert.deepEqual(gemm.layout.get('net.1.weight.lora_A').shape, [3, 784], 'Gemm transB: weight [out, in] = [128, 784]');
    assert.deepEqual(gemm.layout.get('net.1.weight.lora_B').shape, [128, 3]);
  });

  test('prompt tuning: tokens after the patch embedding, or a visual prompt on the input', async () => {
    const base = await vit();
    const theta0 = base.init(0);
    const { train, test } = await fashion([5, 6, 7, 8, 9]);
    const x = batchOf(test, 0, 8).x;
    const tokens = adapt(base, theta0, { prompt: { tokens: 3 } });
    assert.deepEqual(tokens.layout.entries.map((e) => [e.name, e.shape]), [['prompt', [3, 64]]]);
    const held = batchOf(test, 0, 256);
    const trained = await trainSteps(tokens, tokens.init(0), train, { steps: 8, batch: 64, lr: 5e-2 });
    assert.ok((await loss(tokens, trained, held)) < (await loss(tokens, tokens.init(0), held)), 'prompt tokens learn');
    await assertCopies(tokens, [trained, tokens.init(0)], x);
    assert.throws(() => tokens.merge(trained), /a prompt cannot be merged into the base model/);

    const border = adapt(base, theta0, { prompt: { border: 2 } });
    assert.deepEqual(border.layout.entries.map((e) => [e.name, e.shape]), [['prompt', [1, 28, 28]]]);
    assert.deepEqual(await outputs(border, border.init(0), x), await outputs(base, theta0, x), 'a zero prompt changes nothing');
    const grad = (await estimateOnce(make('bp', border), { params: border.init(0), batch: batchOf(train, 0, 16), step: 0 })).grad!;
    const inside = Array.from(grad).filter((_, i) => Math.floor(i / 28) >= 2 && Math.floor(i / 28) < 26 && i % 28 >= 2 && i % 28 < 26);
    assert.ok(inside.every((g) => g === 0) && grad.some((g) => g !== 0), 'only the frame learns');
    const nn = modelFromSpec('vit:tiny', [1, 28, 28], 10);
    assert.deepEqual(adapt(nn, nn.init(0), { prompt: { tokens: 2 } }).layout.entries.map((e) => e.name), ['prompt']);
  });

  test('bad requests: globs that match nothing, LoRA on non-matrices, prompts that do not fit (an AdaptError naming the option)', async () => {
    const blamed = (option: string, message: RegExp) => (e: unknown) => e instanceof AdaptError && e instanceof RangeError && e.option === option && message.test(e.message);
    const base = await vit();
    const theta = base.init(0);
    assert.throws(() => adapt(base, theta, { trainable: 'decoder.*' }), blamed('trainable', /^trainable glob 'decoder\.\*' matches no parameter; parameters: cls, pos, /));
    assert.throws(() => adapt(base, theta, { lora: { rank: 2, targets: 'nope' } }), blamed('lora', /LoRA target glob 'nope' matches no parameter/));
    assert.throws(() => adapt(base, theta, { lora: { rank: 2, targets: 'patch.weight' } }), blamed('lora', /LoRA target 'patch\.weight' of '.*vit-tiny\.onnx' is not a matrix: it has shape \[64, 1, 7, 7\]/));
    assert.throws(() => adapt(base, theta, { lora: { rank: 2, targets: 'head.bias' } }), blamed('lora', /LoRA target 'head\.bias' .* is not a matrix: it has shape \[10\]/));
    assert.throws(() => adapt(base, theta, { lora: { rank: 0, targets: 'head.weight' } }), blamed('lora', /LoRA rank must be an integer >= 1, got 0/));
    assert.throws(() => adapt(base, theta, { lora: { rank: 2, targets: 'head.weight' }, trainable: 'head.*' }), blamed('lora', /'head\.weight' is both a LoRA target and trainable/));
    const added = readOnnx(onnxBytes({ x: [2, 3], weights: { w: { dims: [1, 3], values: [1, 2, 3] } }, nodes: [['Add', ['x', 'w'], ['y']]] }), { source: 'add.onnx' });
    const plain = onnxModel(added);
    assert.throws(() => adapt(plain, plain.init(0), { lora: { rank: 1, targets: 'w' } }), blamed('lora', /LoRA target 'w' of 'onnx:add\.onnx' is not the weight of a MatMul or Gemm/));
    const mlp = await loadModel(`onnx:${MODELS}mlp.onnx`, [1, 28, 28], 10);
    assert.throws(() => adapt(mlp, mlp.init(0), { prompt: { tokens: 2 } }), blamed('prompt', /mlp\.onnx: no token sequence found for prompt tokens/));
    assert.throws(() => adapt(base, theta, { prompt: { border: 14 } }), blamed('prompt', /a prompt border of 14 pixels does not fit images \[1, 28, 28\]/));
    assert.throws(() => adapt(base, new Float32Array(3), {}), /base parameters must be a Float32Array of length 72074/);
  });
});
