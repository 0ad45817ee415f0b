import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpError } from '../../src/engine/ir/errors.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { withScope } from '../../src/engine/ir/scope.js';
import { Tensor, input } from '../../src/engine/ir/tensor.js';
import { add, matmul, relu } from '../../src/engine/ops/index.js';
import type { OpDef } from '../../src/engine/ops/op-def.js';
import { interpret } from '../../src/engine/reference/interpret.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { jvp } from '../../src/engine/transforms/jvp.js';

describe('bad input is reported with the op, the shapes and the place', () => {
  test('shape mismatch names the op, both shapes and the model scope', () => {
    const x = input('x', 'float32', ['batch', 784]);
    const w = input('w', 'float32', [128, 10]);
    assert.throws(
      () => withScope('mlp', () => withScope('layer2', () => matmul(x, w))),
      (e: unknown) => {
        assert.ok(e instanceof OpError);
        assert.equal(e.op, 'matmul');
        assert.equal(e.scope, 'mlp/layer2');
        assert.match(e.message, /^matmul\(float32\[batch,784\], float32\[128,10\]\) in 'mlp\/layer2': inner dimensions differ: 784 vs 128$/);
        return true;
      },
    );
  });

  test('dtype mismatch and non-broadcastable shapes', () => {
    const a = input('a', 'float32', [3]);
    assert.throws(() => add(a, input('b', 'float64', [3])), /add\(float32\[3\], float64\[3\]\): dtypes differ: float32 vs float64/);
    assert.throws(() => add(a, input('c', 'float32', [4])), /add\(float32\[3\], float32\[4\]\): shapes \[3\] and \[4\] do not broadcast/);
    assert.throws(() => relu(input('l', 'int64', [3])), /relu\(int64\[3\]\): input must be float32 or float64, got int64/);
  });

  test('an op that was never registered is rejected by name when transformed, lowered or evaluated', async () => {
    const rogue: OpDef<Record<never, never>> = {
      name: 'rogue', arity: 1, infer: ([t]) => t!, jvp: () => null, vjp: () => [null],
      lower: (ctx, [t]) => ctx.emit('Identity', [t!]), evaluate: ([t]) => t!,
    };
    const x = input('x', 'float32', [2]);
    const y = withScope('block1', () => new Tensor('float32', [2], { kind: 'op', def: rogue, params: {}, inputs: [x] }));
    const expected = /rogue\(float32\[2\]\) in 'block1': unknown op 'rogue'/;
    assert.throws(() => jvp([y], new Map([[x, input('dx', 'float32', [2])]])), expected);
    await assert.rejects(compile({ inputs: [x], outputs: [y] }), expected);
    assert.throws(() => interpret({ inputs: [x], outputs: [y] }, { x: new Float32Array(2) }), expected);
  });

  test('feeds are checked against the graph inputs', async () => {
    const x = input('x', 'float32', ['batch', 3]);
    const w = input('w', 'float32', [3, 2]);
    const f = await compile({ inputs: [x, w], outputs: [matmul(x, w)] });
    const good = { x: new HostTensor('float32', [4, 3], new Float32Array(12)), w: new Float32Array(6) };
    assert.equal((await f.run(good))[0]!.shape.join(','), '4,2');
    await assert.rejects(f.run({ x: good.x }), /input 'w' is missing in feeds/);
    await assert.rejects(f.run({ ...good, w: new Float64Array(6) }), /input 'w' expects float32\[3,2\], got float64\[3,2\]/);
    await assert.rejects(f.run({ ...good, w: new HostTensor('float32', [2, 3], new Float32Array(6)) }), /input 'w' expects shape \[3,2\], got \[2,3\]/);
    assert.deepEqual((await f.run({ ...good, x: new Float32Array(15) }))[0]!.shape, [5, 2], 'a bare array fills the one symbolic dim');
    await assert.rejects(f.run({ ...good, x: new Float32Array(10) }), /input 'x' expects shape \[batch,3\] \(a multiple of 3 elements\), got a typed array of length 10/);
    const square = input('square', 'float32', ['n', 'n']);
    await assert.rejects((await compile({ inputs: [square], outputs: [square] })).run({ square: new Float32Array(4) }), /input 'square' has symbolic shape \[n,n\]: feed a HostTensor/);
    await assert.rejects(f.run({ ...good, extra: new Float32Array(1) }), /feeds has 'extra', which is not an input of the graph/);
    await assert.rejects(compile({ inputs: [x, w], outputs: [matmul(x, w)] }, { device: 'tpu' }), /unknown device 'tpu' for onnxruntime-node; valid devices: cpu, webgpu/);
    // A provider whose libraries are missing (CUDA under the .npmrc skip, as here and in CI) names itself and the fix.
    const onCuda = compile({ inputs: [x, w], outputs: [matmul(x, w)] }, { device: 'cuda' }).then((g) => g.run(good));
    await onCuda.then(
      (out) => assert.equal(out[0]!.shape.join(','), '4,2'),
      (e: Error) => assert.match(e.message, /^execution provider 'cuda' could not be started: .*without `onnxruntime-node-install=skip` in \.npmrc.*--device cpu always works$/),
    );
  });

  test('symbolic dims must bind consistently across inputs', () => {
    const a = input('a', 'float64', ['n', 2]);
    const b = input('b', 'float64', ['n', 2]);
    assert.throws(
      () => interpret({ inputs: [a, b], outputs: [add(a, b)] }, { a: new HostTensor('float64', [3, 2], new Float64Array(6)), b: new HostTensor('float64', [4, 2], new Float64Array(8)) }),
      /input 'b' expects shape \[n,2\], got \[4,2\] \(bound so far: n=3\)/,
    );
  });
});
