import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Batch } from '../../src/data/batches.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { loadOnnx } from '../../src/engine/onnx/load.js';
import { OnnxBlackBox } from '../../src/nn/onnx-black-box.js';
import { onnxModel } from '../../src/nn/onnx-model.js';
import { stepKey } from '../../src/objectives/directions.js';
import type { LossRequest, Perturbation } from '../../src/objectives/loss-oracle.js';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { OutputLossOracle } from '../../src/objectives/output-oracle.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';
import { tinyProblem } from '../train/tiny-onnx.js';

describe('OutputLossOracle: losses of a model seen only through its outputs', () => {
  test('equal the model program\'s losses for every kind of perturbation, allocated slots included; padding costs nothing', async () => {
    const { model: path } = await tinyProblem();
    const graph = await loadOnnx(path);
    const objective = crossEntropyObjective();
    const reference = new ModelLossOracle(onnxModel(graph), objective);
    const box = await OnnxBlackBox.create(graph, `onnx:${path}`);
    const oracle = new OutputLossOracle(box, objective);
    try {
      assert.equal(oracle.dimension, reference.dimension);
      const random = testRandom(3);
      const batch: Batch = { x: new HostTensor('float32', [6, 4], Float32Array.from(normals(24, random))), y: new HostTensor('int64', [6], BigInt64Array.of(0n, 1n, 2n, 0n, 1n, 2n)) };
      const params = Float32Array.from(box.init(), (v, i) => v + 0.01 * Math.sin(i));
      const noise = (scheme: 'central' | 'forward'): Perturbation => ({ kind: 'noise', key: stepKey(5, 2), distribution: 'rademacher', epsilon: 1e-2, scheme, first: 1, count: 3 });
      const requests: [string, LossRequest][] = [
        ['central noise', { params, batch, perturbation: noise('central') }],
        ['forward noise', { params, batch, perturbation: noise('forward') }],
        ['coordinates', { params, batch, perturbation: { kind: 'coordinates', coordinates: Int32Array.of(0, 40, 66), epsilon: 0.1 } }],
        ['offsets', { params, batch, perturbation: { kind: 'offsets', copies: 2, offsets: Float32Array.from(normals(2 * params.length, random), (v) => 0.05 * v) } }],
      ];
      for (const [what, request] of requests) {
        const [got, want] = [await oracle.evaluate(request), await reference.evaluate(request)];
        assertAllClose(got.losses, want.losses, { rtol: 1e-5, atol: 1e-6, what });
        assert.equal(got.queries, want.queries, what);
      }
      // Three directions, two slots each; -1 is padding, which the model program computes and the black box never runs.
      const slots = { m: 2, example: Int32Array.of(0, 5, 3, -1, -1, -1) };
      const [got, want] = [await oracle.evaluate({ params, batch, perturbation: noise('central'), slots }), await reference.evaluate({ params, batch, perturbation: noise('central'), slots })];
      const real = [0, 1, 2, 6, 7, 8];
      assertAllClose(real.map((i) => got.losses[i]!), real.map((i) => want.losses[i]!), { rtol: 1e-5, atol: 1e-6, what: 'allocated slots' });
      assert.deepEqual([3, 4, 5, 9, 10, 11].map((i) => got.losses[i]), [0, 0, 0, 0, 0, 0], 'padding reads 0');
      assert.deepEqual([got.queries, want.queries], [6, 12]);
    } finally {
      await Promise.all([oracle.dispose(), reference.dispose(), box.dispose()]);
    }
  });
});
