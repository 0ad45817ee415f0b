import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { exportOnnx } from '../../src/engine/onnx/export.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';
import { mlp } from './models.js';

describe('ONNX export', () => {
  test('an exported model runs in a plain onnxruntime session, at any batch size, and matches', async () => {
    const model = mlp([6, 8, 3], 'float32', { seed: 4 });
    const spec = { inputs: [model.x, ...model.params], outputs: [model.out] };
    const dir = await mkdtemp(join(tmpdir(), 'fp-export-'));
    const path = join(dir, 'mlp.onnx');
    await writeFileAtomic(path, exportOnnx(spec, model.values));

    const session = await ort.InferenceSession.create(await readFile(path));
    assert.deepEqual(session.inputNames, ['x'], 'weights are initializers, only x remains an input');
    const ours = await compile(spec);
    for (const batch of [1, 5]) {
      const x = Float32Array.from(normals(batch * 6, testRandom(batch)));
      const plain = await session.run({ x: new ort.Tensor('float32', x, [batch, 6]) });
      const [expected] = await ours.run({ x: new HostTensor('float32', [batch, 6], x), ...model.values });
      assert.deepEqual(plain.out0!.dims, [batch, 3]);
      assertAllClose(plain.out0!.data as Float32Array, expected!.data, { rtol: 1e-6 });
    }
  });

  test('export rejects weights that do not fit', () => {
    const model = mlp([6, 3], 'float32');
    const spec = { inputs: [model.x, ...model.params], outputs: [model.out] };
    assert.throws(() => exportOnnx(spec, { ...model.values, w0: new Float32Array(5) }), /input 'w0' expects shape \[6,3\] \(18 elements\), got a typed array of length 5/);
    assert.throws(() => exportOnnx(spec, { nope: new Float32Array(1) }), /weight 'nope' is not an input of the graph \(inputs: x, w0, b0\)/);
  });
});
