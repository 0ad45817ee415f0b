import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { input } from '../../src/engine/ir/tensor.js';
import { cast, mul, sum } from '../../src/engine/ops/index.js';
import { interpret } from '../../src/engine/reference/interpret.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { jvp } from '../../src/engine/transforms/jvp.js';
import { grad } from '../../src/engine/transforms/vjp.js';
import { assertAllClose, dot, normals, testRandom, toNumbers } from '../helpers.js';
import { type TestModel, cnn, layerNormBlock, localMixer, mlp } from './models.js';

/**
 * Whole models: the directional derivative from one jvp run matches central finite
 * differences of the loss, grad is its adjoint (float64, reference interpreter), and
 * onnxruntime computes the same loss, jvp and gradients (float32).
 */
function checkModel(build: (dtype: 'float32' | 'float64') => TestModel, inputShape: number[]) {
  const random = testRandom(inputShape.length);
  const x = normals(inputShape.reduce((a, b) => a * b, 1), random);
  const directions = new Map<string, Float64Array>();

  function graph(dtype: 'float32' | 'float64') {
    const model = build(dtype);
    const loss = sum(mul(model.out, model.out));
    const tangents = model.params.map((p, i) => input(`d_${model.names[i]}`, p.dtype, p.shape));
    const [dLoss] = jvp([loss], new Map(model.params.map((p, i) => [p, tangents[i]!])));
    const grads = grad(loss, model.params);
    for (const name of model.names) if (!directions.has(name)) directions.set(name, normals(model.values[name]!.size, random));
    const feeds = (step: number) => ({
      x: new HostTensor(dtype, inputShape, dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x)),
      ...Object.fromEntries(model.names.flatMap((name) => {
        const base = model.values[name]!;
        const dir = directions.get(name)!;
        const shifted = HostTensor.zeros(dtype, base.shape);
        (shifted.data as Float64Array).set(toNumbers(base.data).map((v, j) => v + step * dir[j]!));
        const tangent = HostTensor.zeros(dtype, base.shape);
        (tangent.data as Float64Array).set(dir);
        return [[name, shifted], [`d_${name}`, tangent]];
      })),
    });
    return { model, loss, dLoss: dLoss!, grads, tangents, feeds };
  }

  return async () => {
    const g = graph('float64');
    const lossSpec = { inputs: [g.model.x, ...g.model.params, ...g.tangents], outputs: [g.loss] };
    const eps = 1e-6;
    const fd = ((interpret(lossSpec, g.feeds(eps))[0]!.data[0] as number) - (interpret(lossSpec, g.feeds(-eps))[0]!.data[0] as number)) / (2 * eps);
    const spec = { inputs: [g.model.x, ...g.model.params, ...g.tangents], outputs: [g.loss, g.dLoss, ...g.grads] };
    const [, dLoss, ...grads] = interpret(spec, g.feeds(0));
    const derivative = dLoss!.data[0] as number;
    assertAllClose([derivative], [fd], { rtol: 1e-6, atol: 1e-8, what: 'jvp vs finite differences' });
    const adjoint = grads.reduce((s, gr, i) => s + dot(toNumbers(gr.data), directions.get(g.model.names[i]!)!), 0);
    assertAllClose([adjoint], [derivative], { rtol: 1e-10, what: '<grad, v> vs jvp' });

    const f = graph('float32');
    const spec32 = { inputs: [f.model.x, ...f.model.params, ...f.tangents], outputs: [f.loss, f.dLoss, ...f.grads] };
    const expected = interpret(spec32, f.feeds(0));
    const actual = await (await compile(spec32)).run(f.feeds(0));
    actual.forEach((a, i) => assertAllClose(a.data, expected[i]!.data, { rtol: 2e-4, atol: 1e-5, what: `onnxruntime output ${i}` }));
  };
}

describe('jvp and vjp of whole models', () => {
  test('MLP 5-7-6-3', checkModel((d) => mlp([5, 7, 6, 3], d), [4, 5]));
  test('small CNN (conv, grouped strided conv, max and average pooling)', checkModel((d) => cnn(d), [3, 2, 8, 8]));
  test('LayerNorm residual block with GELU', checkModel((d) => layerNormBlock(d), [2, 4, 6]));
  test('LocalMixer (patches, token mixing, grouped layers)', checkModel((d) => localMixer(d), [2, 1, 4, 4]));

  test('jvp of a non-float output is rejected', () => {
    const x = input('x', 'float32', [2]);
    assert.throws(() => jvp([cast(x, 'int64')], new Map([[cast(x, 'int64'), x]])), /cannot seed a tangent for non-float/);
  });
});
