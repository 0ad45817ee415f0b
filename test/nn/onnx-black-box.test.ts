import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { loadOnnx } from '../../src/engine/onnx/load.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { ModelSession } from '../../src/engine/runtime/onnxruntime.js';
import { AdaptError } from '../../src/nn/adapt.js';
import { OnnxBlackBox } from '../../src/nn/onnx-black-box.js';
import { assertAllClose } from '../helpers.js';
import { MODELS } from './onnx-fixtures.js';
import { onnxBytes } from '../engine/onnx-graphs.js';

/** The file's first output for x, run directly by onnxruntime. */
async function direct(bytes: Uint8Array, x: HostTensor<'float32'>): Promise<Float32Array> {
  const session = await ModelSession.create(bytes);
  try {
    return (await session.run({ image: x })).logits!.data as Float32Array;
  } finally {
    await session.dispose();
  }
}

const images = (b: number) => new HostTensor('float32', [b, 1, 28, 28], Float32Array.from({ length: b * 784 }, (_, i) => ((i * 7) % 31) / 31));

describe('OnnxBlackBox: a file trained through its outputs', () => {
  test('trainable globs choose initializers by parameter name; θ starts at the file\'s values', async () => {
    const path = `${MODELS}vit-tiny.onnx`;
    const box = await OnnxBlackBox.create(await loadOnnx(path), `onnx:${path}`, { trainable: 'head.*,onnx::MatMul_352' });
    try {
      assert.deepEqual(box.layout.entries.map((e) => [e.name, e.shape]), [['head.weight', [10, 64]], ['head.bias', [10]], ['onnx::MatMul_352', [128, 64]]]);
      assert.deepEqual([box.inputShape, box.outputs, box.size], [[1, 28, 28], 10, 640 + 10 + 8192]);
      const x = images(3);
      assertAllClose(await box.run(box.init(), x), await direct(await readFile(path), x), { rtol: 0, atol: 0, what: 'θ₀: the file itself' });
      const theta = Float32Array.from(box.init(), (v, i) => v + 0.1 * Math.cos(i));
      assert.notDeepEqual(await box.run(theta, x), await box.run(box.init(), x));
      assertAllClose(await direct(box.file(theta), x), await box.run(theta, x), { rtol: 0, atol: 0, what: 'the written file runs to the box\'s outputs' });
    } finally {
      await box.dispose();
    }
  });

  test('a visual prompt is written into the file as an input Add: x + m ⊙ δ, with m the frame', async () => {
    const path = `${MODELS}vit-tiny.onnx`;
    const box = await OnnxBlackBox.create(await loadOnnx(path), `onnx:${path}`, { prompt: { border: 2 } });
    try {
      assert.deepEqual(box.layout.entries.map((e) => [e.name, e.shape]), [['prompt', [1, 28, 28]]], 'a prompt alone trains by default');
      assert.deepEqual(box.init(), new Float32Array(784));
      const delta = Float32Array.from({ length: 784 }, (_, i) => Math.sin(i));
      const x = images(2);
      const shifted = Float32Array.from(x.data, (v, i) => {
        const [r, c] = [Math.floor((i % 784) / 28), i % 28];
        return r < 2 || r >= 26 || c < 2 || c >= 26 ? v + delta[i % 784]! : v;
      });
      const expected = await direct(await readFile(path), new HostTensor('float32', x.shape, shifted));
      assertAllClose(await box.run(delta, x), expected, { rtol: 1e-6, atol: 1e-6, what: 'prompted outputs' });
      assertAllClose(await direct(box.file(delta), x), expected, { rtol: 1e-6, atol: 1e-6, what: 'the exported file applies the prompt' });
    } finally {
      await box.dispose();
    }
  });

  test('what the file cannot take is an AdaptError naming the option', async () => {
    const graph = await loadOnnx(`${MODELS}vit-tiny.onnx`);
    await assert.rejects(OnnxBlackBox.create(graph, 'onnx:vit', { trainable: 'decoder.*' }), (e: unknown) => e instanceof AdaptError && e.option === 'trainable' && /trainable glob 'decoder\.\*' matches no parameter; parameters: cls, pos, patch\.weight/.test(e.message));
    await assert.rejects(OnnxBlackBox.create(graph, 'onnx:vit', { prompt: { border: 14 } }), (e: unknown) => e instanceof AdaptError && e.option === 'prompt' && /a prompt border of 14 pixels does not fit images \[1, 28, 28\]/.test(e.message));
    const named = readOnnx(onnxBytes({ x: [1, 2], weights: { prompt: { dims: [2], values: [1, 2] } }, nodes: [['Add', ['x', 'prompt'], ['y']]] }), { source: 'named.onnx' });
    await assert.rejects(OnnxBlackBox.create(named, 'onnx:named.onnx', { prompt: {} }), (e: unknown) => e instanceof AdaptError && e.option === 'prompt' && /named\.onnx: the file already has a value named 'prompt'/.test(e.message));
  });
});
