import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SurfaceEvaluator } from '../../src/landscape/surface.js';
import { mlp } from '../../src/nn/factories.js';
import type { Model } from '../../src/nn/model.js';
import { stepKey } from '../../src/objectives/directions.js';
import type { LossOracle, LossRequest } from '../../src/objectives/loss-oracle.js';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { sgd } from '../../src/optim/aliases.js';
import { initTrainState, trainStep } from '../../src/train/step.js';
import { WorkerPoolOracle, WorkerPoolSurface } from '../../src/scale/pool.js';
import { fillGaussian } from '../../src/rng/noise.js';
import { CE, randomBatch, tinyCnn } from '../estimators/fixtures.js';

/** Bit patterns, so that −0 and 0 and NaNs are told apart. */
function bits(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

const models: { name: string; model: Model; shape: number[]; classes: number }[] = [
  { name: 'mlp 12-16-4', model: mlp([12, 16, 4]), shape: [12], classes: 4 },
  { name: 'tiny cnn', model: tinyCnn(), shape: [1, 6, 6], classes: 3 },
];
const pools = new Map<string, WorkerPoolOracle>();

before(() => {
  for (const { name, model } of models) pools.set(name, new WorkerPoolOracle(model, CE, { workers: name === 'tiny cnn' ? 3 : 2 }));
});
after(async () => Promise.all([...pools.values()].map((p) => p.dispose())));

function requests(model: Model, shape: number[], classes: number, seed: number): LossRequest[] {
  const params = model.init(seed);
  const batch = randomBatch(5, shape, classes, seed + 1);
  const P = model.layout.size;
  const mask = Float32Array.from({ length: P }, (_, i) => ((i * 7 + seed) % 3 === 0 ? 0 : 1));
  const offsets = new Float32Array(3 * P);
  fillGaussian(offsets, seed + 11, 0, 0.01);
  const noise = { kind: 'noise', key: stepKey(seed, 3), distribution: 'rademacher', epsilon: 1e-2, first: 0 } as const;
  return [
    { params, batch, perturbation: { ...noise, scheme: 'central', count: 7 }, directionsPerCall: 2 },
    { params, batch, perturbation: { ...noise, distribution: 'gaussian', scheme: 'forward', count: 6, first: 4, mask }, directionsPerCall: 2 },
    { params, batch, perturbation: { ...noise, scheme: 'central', count: 5 }, directionsPerCall: 1, slots: { m: 2, example: Int32Array.from({ length: 10 }, (_, j) => (j % 4 === 3 ? -1 : (j * 3) % 5)) } },
    { params, batch, perturbation: { kind: 'coordinates', coordinates: Int32Array.of(0, 5, P - 1, 2), epsilon: 1e-3 }, directionsPerCall: 1 },
    { params, batch, perturbation: { kind: 'offsets', offsets, copies: 3 }, directionsPerCall: 1 },
    { params, batch, perturbation: { ...noise, scheme: 'central', count: 6 }, copyBytes: 4 * P * 3 },
  ];
}

test('the worker pool returns the single-process losses bit for bit: noise (central, forward, masked, allocated), coordinates, offsets; every seed', async () => {
  for (const { name, model, shape, classes } of models) {
    const single = new ModelLossOracle(model, CE);
    try {
      for (const seed of [0, 1, 2]) {
        for (const [i, request] of requests(model, shape, classes, seed).entries()) {
          const [expected, actual] = [await single.evaluate(request), await pools.get(name)!.evaluate(request)];
          const what = `${name}, seed ${seed}, request ${i}`;
          assert.equal(bits(actual.losses), bits(expected.losses), `${what}: losses`);
          assert.equal(actual.queries, expected.queries, `${what}: queries`);
          assert.equal(actual.applied && bits(actual.applied), expected.applied && bits(expected.applied), `${what}: applied steps`);
        }
      }
    } finally {
      await single.dispose();
    }
  }
});

test('spsa trained through the pool takes the single-process steps bit for bit', async () => {
  const { model, shape, classes } = models[0]!;
  const run = async (oracle?: LossOracle) => {
    const estimator = createEstimator('spsa', { model, objective: CE, seed: 4, ...(oracle && { oracle }) }, { directions: 8, directionsPerCall: 2 });
    const stepper = { estimator, optimizer: sgd(0.05) };
    let state = initTrainState(stepper, model.init(1), 40);
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const next = await trainStep(stepper, state, randomBatch(6, shape, classes, 10 + s));
      losses.push(next.estimate.loss);
      state = next.state;
    }
    await estimator.dispose();
    return { params: state.params, losses };
  };
  const single = await run();
  const pooled = await run(pools.get('mlp 12-16-4')!);
  assert.equal(bits(pooled.params), bits(single.params));
  assert.deepEqual(pooled.losses, single.losses);
});

test('a landscape grid on the pool is SurfaceEvaluator\'s, bit for bit, whatever the split', async () => {
  const { model, shape, classes } = models[1]!;
  const P = model.layout.size;
  const theta = model.init(2);
  const [d1, d2] = [new Float32Array(P), new Float32Array(P)];
  fillGaussian(d1, 5, 0, 0.1);
  fillGaussian(d2, 6, 0, 0.1);
  const alpha = Float32Array.from({ length: 23 }, (_, i) => (i - 11) / 11);
  const beta = Float32Array.from({ length: 23 }, (_, i) => ((i * 5) % 23) / 23 - 0.5);
  const batch = randomBatch(7, shape, classes, 3);
  const single = new SurfaceEvaluator(model, CE);
  const pooled = new WorkerPoolSurface(model, CE, { workers: 2, partsPerWorker: 3 });
  try {
    for (const k of [4, 23, 30]) {
      const expected = await single.losses(theta, d1, d2, alpha, beta, batch, k);
      assert.equal(bits(await pooled.losses(theta, d1, d2, alpha, beta, batch, k)), bits(expected), `${k} points a call`);
    }
  } finally {
    await Promise.all([single.dispose(), pooled.dispose()]);
  }
});

test('the pool refuses a worker count that is not a positive integer', () => {
  assert.throws(() => new WorkerPoolOracle(models[0]!.model, CE, { workers: 0 }), /workers must be a positive integer, got 0/);
  assert.throws(() => new WorkerPoolOracle(models[0]!.model, CE, { workers: 2, threads: 1.5 }), /threads must be a positive integer/);
});
