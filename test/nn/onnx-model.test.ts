import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { loadOnnx } from '../../src/engine/onnx/load.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { estimateOnce, exactGradient, make } from '../estimators/fixtures.js';
import { exportModel } from '../../src/nn/export.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { loadModel } from '../../src/nn/load-model.js';
import { exportOnnxFile, onnxModel, parameterNames } from '../../src/nn/onnx-model.js';
import { onnxBytes } from '../engine/onnx-graphs.js';
import { assertAllClose } from '../helpers.js';
import { FOREIGN, MODELS, assertCopies, batchOf, fashion, loss, manifest, outputs, trainSteps } from './onnx-fixtures.js';

async function probe(): Promise<HostTensor> {
  const { test } = await fashion([0, 1, 2, 3, 4]);
  return batchOf(test, 0, 8).x;
}

describe('imported ONNX models', () => {
  test('the foreign models reproduce the logits PyTorch gave for the probe batch', async () => {
    const x = await probe();
    const expected = manifest();
    for (const name of FOREIGN) {
      const model = await loadModel(`onnx:${MODELS}${name}.onnx`, [1, 28, 28], 10);
      const logits = await outputs(model, model.init(0), x);
      // The manifest rounds to 5 decimals.
      assertAllClose(logits, expected[name]!.probe_logits.flat(), { rtol: 0, atol: 2e-5, what: `${name} probe logits` });
    }
  });

  test('with K weight copies on a copy axis each copy computes its own logits (weight perturbation)', async () => {
    const x = await probe();
    for (const name of FOREIGN) {
      const model = await loadModel(`onnx:${MODELS}${name}.onnx`, [1, 28, 28], 10);
      const theta = model.init(0);
      const shifted = Float32Array.from(theta, (v, i) => v * (1 + 0.1 * Math.sin(i)));
      await assertCopies(model, [theta, shifted], x);
    }
  });

  test('activity sites: pre-activations of Gemm/Conv/MatMul feeding a nonlinearity, ReLU ones masked', async () => {
    const expected: Record<string, string[]> = {
      mlp: ['/net/net.1/Gemm(relu)', '/net/net.3/Gemm'],
      'cnn-bn': ['/f/f.0/Conv(relu)', '/f/f.4/Conv(relu)'],
      'vit-tiny': ['/enc/layers.0/linear1/Add', '/enc/layers.1/linear1/Add'],
    };
    for (const name of FOREIGN) {
      const model = await loadModel(`onnx:${MODELS}${name}.onnx`, [1, 28, 28], 10);
      const { sites } = model.forward(model.inputTensor(), model.paramInputs());
      assert.deepEqual(sites.map((s) => `${s.scope}${s.mask ? '(relu)' : ''}`), expected[name], name);
    }
  });

  test('a few backprop steps lower the loss on classes 5-9, which the models never saw', async () => {
    const { train, test } = await fashion([5, 6, 7, 8, 9]);
    const held = batchOf(test, 0, 256);
    for (const name of FOREIGN) {
      const model = await loadModel(`onnx:${MODELS}${name}.onnx`, [1, 28, 28], 10);
      const before = await loss(model, model.init(0), held);
      const trained = await trainSteps(model, model.init(0), train, { steps: 12, batch: 64, lr: 3e-3 });
      const after = await loss(model, trained, held);
      assert.ok(after < 0.5 * before, `${name}: held-out loss on classes 5-9 went from ${before.toFixed(3)} to ${after.toFixed(3)}`);
    }
  });

  test('forward-only methods run on the imported ViT and fg-a points along the gradient', async () => {
    const { train } = await fashion([5, 6, 7, 8, 9]);
    const batch = batchOf(train, 0, 32);
    const model = await loadModel(`onnx:${MODELS}vit-tiny.onnx`, [1, 28, 28], 10);
    const theta = model.init(0);
    const exact = await exactGradient(model, theta, batch);
    const mean = new Float32Array(theta.length);
    const steps = 48;
    const fga = make('fg-a', model, {}, 3);
    for (let step = 0; step < steps; step++) {
      const grad = (await estimateOnce(fga, { params: theta, batch, step })).grad!;
      for (let i = 0; i < mean.length; i++) mean[i]! += grad[i]! / steps;
    }
    let [dot, a, b] = [0, 0, 0];
    for (let i = 0; i < mean.length; i++) [dot, a, b] = [dot + mean[i]! * exact[i]!, a + mean[i]! ** 2, b + exact[i]! ** 2];
    assert.ok(dot / Math.sqrt(a * b) > 0.5, `fg-a mean of ${steps} steps vs bp: cosine ${(dot / Math.sqrt(a * b)).toFixed(3)}`);
    for (const method of ['spsa', 'fg-w', 'lr', 'cge']) {
      const estimate = await estimateOnce(make(method, model, { directions: 2 }, 1), { params: theta, batch, step: 0 });
      assert.ok(Number.isFinite(estimate.loss) && estimate.grad!.every(Number.isFinite), method);
    }
  });

  test('every forwardprop model exported and imported again gives identical outputs', async () => {
    const x = (await probe()).data as Float32Array;
    for (const spec of ['mlp', 'cnn', 'localmixer:S/1/1', 'vit:tiny']) {
      const model = modelFromSpec(spec, [1, 28, 28], 10);
      const theta = model.init(7);
      const back = onnxModel(readOnnx(exportModel(model, theta), { source: `${spec}.onnx` }));
      assert.equal(back.layout.size, model.layout.size, `${spec}: the file's initializers are exactly the weights`);
      const input = new HostTensor('float32', [8, ...model.inputShape], x);
      assert.deepEqual(await outputs(back, back.init(0), input), await outputs(model, theta, input), spec);
    }
  });

  test('an imported model exports its original file with new weights', async () => {
    const model = await loadModel(`onnx:${MODELS}cnn-bn.onnx`, [1, 28, 28], 10);
    const theta = Float32Array.from(model.init(0), (v, i) => v + 0.01 * Math.cos(i));
    const session = await ort.InferenceSession.create(exportOnnxFile(model, theta));
    assert.deepEqual(session.inputNames, ['image'], 'the original input name survives');
    const x = await probe();
    const result = await session.run({ image: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    assertAllClose(result.logits!.data as Float32Array, await outputs(model, theta, x), { rtol: 1e-5, atol: 1e-5, what: 'exported file vs import' });
  });

  test('bad models and data: clear errors naming the file', async () => {
    const noWeights = readOnnx(onnxBytes({ x: [2, 3], nodes: [['Relu', ['x'], ['y']]] }), { source: 'relu.onnx' });
    assert.throws(() => onnxModel(noWeights), /^Error: relu\.onnx: the model has no float initializers, so there is nothing to train/);
    await assert.rejects(loadModel(`onnx:${MODELS}mlp.onnx`, [3, 32, 32], 10), /model 'onnx:.*mlp\.onnx' takes examples shaped \[1, 28, 28\], but the data's are \[3, 32, 32\]/);
    await assert.rejects(loadModel(`onnx:${MODELS}mlp.onnx`, [1, 28, 28], 100), /has 10 outputs, fewer than the data's 100 classes/);
    await assert.rejects(loadModel('mlp', [784], 10, { trainable: 'x' }), /need pretrained weights: use an onnx:<file> model/);
    await assert.rejects(loadModel(`onnx:${MODELS}missing.onnx`, [1, 28, 28], 10), /missing\.onnx: cannot read the model \(ENOENT\)/);
    assert.equal((await loadOnnx(`${MODELS}vit-tiny.onnx`)).opset, 14);
  });

  test('initializer names become valid, unique parameter names', () => {
    assert.deepEqual([...parameterNames(['/enc/w', 'a b', 'a_b', 'onnx::MatMul_3']).values()], ['_/enc/w', 'a_b', 'a_b_2', 'onnx::MatMul_3']);
  });
});
