import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { float32Output } from '../../src/engine/runtime/backend.js';
import { compile } from '../../src/engine/runtime/compile.js';
import type { Estimator, LossOnlyEstimator } from '../../src/estimators/estimator.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { combineDirections } from '../../src/estimators/spsa.js';
import { mlp } from '../../src/nn/factories.js';
import { BlackBoxLossOracle, type BlackBoxObjective } from '../../src/objectives/black-box.js';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { programInputs } from '../../src/objectives/program-inputs.js';
import { assertAllClose } from '../helpers.js';
import { CE, estimateOnce, make, randomBatch } from './fixtures.js';

const model = mlp([6, 5, 3]);
const theta = model.init(3);
const batch = randomBatch(8, [6], 3);

/**
 * The same model behind a black box: every query is one parameter vector and one example;
 * the box groups queries that share a parameter vector and runs the model's own forward
 * program on their examples, as an inference server would.
 */
async function blackBoxOf(): Promise<{ objective: BlackBoxObjective; dispose: () => Promise<void> }> {
  const { x, y } = programInputs(model, CE);
  const params = model.paramInputs();
  const program = await compile({ inputs: [x, y, ...params], outputs: [CE.loss(model.forward(x, params).out, y)] });
  const d = model.layout.size;
  const objective: BlackBoxObjective = async ({ params: rows, examples, batch: b }) => {
    const losses = new Float32Array(examples.length);
    for (let start = 0; start < examples.length; ) {
      let end = start + 1;
      const same = (q: number) => rows.subarray(q * d, (q + 1) * d).every((v, i) => v === rows[start * d + i]);
      while (end < examples.length && same(end)) end++;
      const picked = examples.subarray(start, end);
      const xs = new Float32Array(picked.length * 6);
      picked.forEach((e, r) => xs.set((b.x.data as Float32Array).subarray(e * 6, e * 6 + 6), r * 6));
      const ys = BigInt64Array.from(picked, (e) => (b.y.data as BigInt64Array)[e]!);
      const out = await program.run({ x: new HostTensor('float32', [picked.length, 6], xs), y: new HostTensor('int64', [picked.length], ys), ...model.paramFeeds(rows.slice(start * d, (start + 1) * d)) });
      losses.set(float32Output(out, 0), start);
      start = end;
    }
    return losses;
  };
  return { objective, dispose: () => program.dispose() };
}

describe('loss oracles and ask/tell', () => {
  test('spsa on the model program and spsa on a black box wrapping the same model give the same gradient, bit for bit', async () => {
    const box = await blackBoxOf();
    for (const options of [{ directions: 4, directionsPerCall: 1 }, { directions: 3, scheme: 'forward', noise: 'gaussian' }]) {
      const onModel = await estimateOnce(make('spsa', model, options, 9), { params: theta, batch, step: 2 });
      const onBox = await estimateOnce(createEstimator('spsa', { oracle: new BlackBoxLossOracle(model.layout.size, box.objective), seed: 9 }, options), { params: theta, batch, step: 2 });
      assert.deepEqual(onBox.grad, onModel.grad, JSON.stringify(options));
      assert.deepEqual(onBox.perExample.loss, onModel.perExample.loss);
      assert.equal(onBox.queries, onModel.queries);
    }
    await box.dispose();
  });

  test('ask/tell from an external loop equals estimate, for every loss-only method', async () => {
    for (const method of ['spsa', 'cge']) {
      const estimator = make(method, model, method === 'cge' ? { directions: 9 } : {}, 4) as LossOnlyEstimator;
      const state = estimator.init(theta);
      const request = { params: theta, batch, step: 6 };
      // The "device": any evaluator of the asked queries; here a second oracle on the model.
      const device = new ModelLossOracle(model, CE);
      const told = estimator.tell(state, request, await device.evaluate(estimator.ask(state, request)!));
      const direct = await estimator.estimate(state, request);
      assert.deepEqual(told.estimate.grad, direct.estimate.grad, method);
      await Promise.all([device.dispose(), estimator.dispose()]);
    }
  });

  test('a model oracle checks its requests', async () => {
    const oracle = new ModelLossOracle(model, CE);
    await assert.rejects(oracle.evaluate({ params: new Float32Array(3), batch, perturbation: { kind: 'offsets', offsets: new Float32Array(0), copies: 1 } }), /params must be a Float32Array of length 53/);
    await assert.rejects(oracle.evaluate({ params: theta, batch, perturbation: { kind: 'noise', key: 1, distribution: 'gaussian', epsilon: 0, scheme: 'central', first: 0, count: 1 } }), /epsilon must be a positive finite number, got 0/);
    await oracle.dispose();
  });
});

describe('per-query samples rebuild the gradient', () => {
  const request = { params: theta, batch, step: 1 };

  test('spsa (both schemes): bit for bit from the samples alone, no model', async () => {
    for (const scheme of ['central', 'forward']) {
      const { grad, samples } = await estimateOnce(make('spsa', model, { directions: 6, scheme }), request);
      assert.equal(samples?.kind, 'directions');
      assert.deepEqual(combineDirections(samples as never, theta.length), grad);
    }
  });

  test('spsa with an uneven allocation and a mask: bit for bit, and nothing on masked entries', async () => {
    const mask = Float32Array.from(theta, (_, i) => (i % 3 === 0 ? 0 : 1));
    const { grad, samples } = await estimateOnce(make('spsa', model), { ...request, mask, allocation: Int32Array.of(2, 4, 2, 8, 2, 2, 6, 2) });
    assert.deepEqual(combineDirections(samples as never, theta.length), grad);
    assert.ok(grad!.every((g, i) => i % 3 !== 0 || g === 0));
  });

  test('fg-w: from the samples alone, within float32 rounding of the in-graph sum', async () => {
    const { grad, samples } = await estimateOnce(make('fg-w', model, { directions: 5 }), request);
    assertAllClose(combineDirections(samples as never, theta.length), grad!, { rtol: 1e-5, atol: 1e-7 });
  });

  for (const method of ['fg-a', 'lr'] as const) {
    test(`${method}: through the model's local maps, from the recorded coefficients`, async () => {
      const estimator: Estimator = make(method, model, { directions: 2 });
      const state = estimator.init(theta);
      const { estimate } = await estimator.estimate(state, request);
      const rebuilt = await estimator.rebuild!(state, request, estimate.samples!);
      assertAllClose(rebuilt, estimate.grad!, { rtol: 1e-5, atol: 1e-7, what: method });
    });
  }
});
