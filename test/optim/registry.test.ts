import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adam,
  adamw,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  constantSchedule,
  cosine,
  createOptimizer,
  createSchedule,
  OPTIMIZER_NAMES,
  SCHEDULE_NAMES,
  sgd,
  stepDecay,
  type GradientTransformation,
  type Schedule,
} from '../../src/optim/index.js';
import { normals, testRandom } from '../helpers.js';

/** θ after a few steps on random gradients large enough to be clipped. */
function trajectory(optimizer: GradientTransformation): Float32Array {
  const random = testRandom(11);
  const params = Float32Array.from(normals(8, random));
  let state = optimizer.init(params);
  for (let step = 0; step < 5; step++) {
    const result = optimizer.update(Float32Array.from(normals(8, random), (x) => 3 * x), state, params, step);
    state = result.state;
    applyUpdates(params, result.updates);
  }
  return params;
}

test('each name builds its recipe with the given hyperparameters', () => {
  const config = { lr: cosine(0.1, { totalSteps: 5 }), b1: 0.8, b2: 0.99, eps: 1e-6, weightDecay: 0.01 };
  const expected: Record<string, GradientTransformation> = {
    sgd: sgd(config.lr, { weightDecay: 0.01 }),
    momentum: sgd(config.lr, { momentum: 0.9, weightDecay: 0.01 }),
    nesterov: sgd(config.lr, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    adam: adam(config.lr, config),
    adamw: adamw(config.lr, config),
  };
  assert.deepEqual(OPTIMIZER_NAMES, Object.keys(expected));
  for (const name of OPTIMIZER_NAMES) assert.deepEqual(trajectory(createOptimizer(name, config)), trajectory(expected[name]!), name);
  assert.deepEqual(trajectory(createOptimizer('momentum', { lr: 0.1, momentum: 0.5 })), trajectory(sgd(0.1, { momentum: 0.5 })));
  assert.notDeepEqual(trajectory(createOptimizer('adam', { lr: 0.1 })), trajectory(createOptimizer('adamw', { lr: 0.1 })));
});

test('clip puts clipByGlobalNorm in front, and 0 means no clipping', () => {
  assert.deepEqual(trajectory(createOptimizer('adam', { lr: 0.1, clip: 0.5 })), trajectory(chain(clipByGlobalNorm(0.5), adam(0.1))));
  assert.notDeepEqual(trajectory(createOptimizer('sgd', { lr: 0.1, clip: 0.5 })), trajectory(sgd(0.1)));
  assert.deepEqual(trajectory(createOptimizer('sgd', { lr: 0.1, clip: 0 })), trajectory(sgd(0.1)));
  assert.throws(() => createOptimizer('sgd', { lr: 0.1, clip: -1 }), /^RangeError: maxNorm must be/);
});

test('an unknown optimizer name raises a RangeError listing the valid ones', () => {
  assert.throws(() => createOptimizer('rmsprop', { lr: 0.1 }), {
    name: 'RangeError',
    message: "unknown optimizer 'rmsprop'; valid names: sgd, momentum, nesterov, adam, adamw",
  });
  assert.throws(() => createOptimizer('toString', { lr: 0.1 }), RangeError);
});

test('createSchedule builds schedules by name', () => {
  const same = (a: Schedule, b: Schedule) => [0, 3, 10, 55, 100, 200].forEach((step) => assert.equal(a(step), b(step), `step ${step}`));
  assert.deepEqual(SCHEDULE_NAMES, ['constant', 'step', 'cosine']);
  same(createSchedule('constant', 0.1, { every: 5 }), constantSchedule(0.1));
  same(createSchedule('step', 0.1, { every: 5, factor: 0.5 }), stepDecay(0.1, { every: 5, factor: 0.5 }));
  same(createSchedule('cosine', 0.1, { totalSteps: 100, warmupSteps: 10, final: 0.01 }), cosine(0.1, { totalSteps: 100, warmupSteps: 10, final: 0.01 }));
  assert.throws(() => createSchedule('step', 0.1), /^RangeError: the 'step' schedule needs every/);
  assert.throws(() => createSchedule('cosine', 0.1), /^RangeError: the 'cosine' schedule needs totalSteps/);
  assert.throws(() => createSchedule('linear', 0.1), /^RangeError: unknown schedule 'linear'; valid names: constant, step, cosine/);
});
