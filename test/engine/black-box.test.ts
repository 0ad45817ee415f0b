import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { BlackBoxModel } from '../../src/engine/onnx/black-box.js';
import { loadOnnx } from '../../src/engine/onnx/load.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { onnxModel } from '../../src/nn/onnx-model.js';
import { assertAllClose } from '../helpers.js';
import { MODELS, outputs } from '../nn/onnx-fixtures.js';
import { float, onnxBytes } from './onnx-graphs.js';

describe('black-box mode: the file itself in onnxruntime, initializers fed from θ', () => {
  test('outputs equal the imported graph for the same θ', async () => {
    const graph = await loadOnnx(`${MODELS}vit-tiny.onnx`);
    const names = ['head.weight', 'head.bias', 'pos'];
    const box = await BlackBoxModel.create(graph, names);
    assert.equal(box.size, 640 + 10 + 17 * 64);
    const theta = Float32Array.from(box.initial(), (v, i) => v + 0.05 * Math.sin(i));
    const x = new HostTensor('float32', [3, 1, 28, 28], Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 29) / 29));
    const [logits] = await box.run(theta, x);
    const model = onnxModel(graph);
    const full = model.init(0);
    for (const p of box.parameters) full.set(theta.subarray(p.offset, p.offset + p.size), model.layout.get(p.name).offset);
    assertAllClose(logits!.data, await outputs(model, full, x), { rtol: 1e-5, atol: 1e-5, what: 'black box vs import' });
    await assert.rejects(box.run(new Float32Array(3), x), /θ must be a Float32Array of length 1738, got length 3/);
    await assert.rejects(box.run(theta, HostTensor.zeros('float32', [3, 1, 27, 27])), /input 'image' takes float32\[batch,1,28,28\], got float32\[3,1,27,27\]/);
    await assert.rejects(BlackBoxModel.create(graph, ['nope']), /'nope' is not a float initializer/);
  });

  test('a file with ops the importer does not map still runs and responds to θ', async () => {
    // y = ThresholdedRelu(x W, alpha = 0.5): ThresholdedRelu is not mapped.
    const bytes = onnxBytes({ x: [2, 2], weights: { w: { dims: [2, 2], values: [1, 0, 0, 1] } }, nodes: [['MatMul', ['x', 'w'], ['h']], ['ThresholdedRelu', ['h'], ['y'], { alpha: float(0.5) }]] });
    const graph = readOnnx(bytes, { source: 'thresholded.onnx' });
    assert.throws(() => onnxModel(graph), /1 node uses an op the importer does not map: 'n1_ThresholdedRelu' \(ThresholdedRelu\)/);
    const box = await BlackBoxModel.create(graph, ['w']);
    const x = new HostTensor('float32', [2, 2], Float32Array.of(1, 0.2, 0.3, 2));
    assert.deepEqual(Array.from((await box.run(box.initial(), x))[0]!.data as Float32Array), [1, 0, 0, 2]);
    assert.deepEqual(Array.from((await box.run(Float32Array.of(2, 0, 0, 2), x))[0]!.data as Float32Array), [2, 0, 0.6000000238418579, 4]);
  });
});
