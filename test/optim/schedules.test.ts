import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantSchedule, cosine, cosineDecay, join, linear, stepDecay, type Schedule } from '../../src/optim/index.js';
import { assertAllClose } from '../helpers.js';

const at = (schedule: Schedule, steps: number[]): number[] => steps.map(schedule);

test('constant', () => {
  assert.deepEqual(at(constantSchedule(0.3), [0, 1, 1e6]), [0.3, 0.3, 0.3]);
});

test('stepDecay multiplies by factor every `every` steps', () => {
  assertAllClose(at(stepDecay(2, { every: 10, factor: 0.5 }), [0, 9, 10, 19, 20, 35]), [2, 2, 1, 1, 0.5, 0.25]);
  assertAllClose(at(stepDecay(1, { every: 3 }), [2, 3, 6]), [1, 0.1, 0.01]);
});

test('linear and cosineDecay ramp from one value to another, then hold it', () => {
  assert.deepEqual(at(linear(1, 3, 4), [0, 1, 2, 4, 9]), [1, 1.5, 2, 3, 3]);
  assertAllClose(at(cosineDecay(1, 0.5, 10), [0, 5, 10, 11]), [1, 0.75, 0.5, 0.5]);
  assertAllClose([cosineDecay(1, 0, 3)(1)], [0.75]);
});

test('join hands over at the boundaries, restarting the step count', () => {
  const schedule = join([constantSchedule(5), linear(0, 10, 10), constantSchedule(1)], [3, 8]);
  assert.deepEqual(at(schedule, [0, 2, 3, 4, 7, 8, 100]), [5, 5, 0, 1, 4, 1, 1]);
});

test('cosine: linear warmup from 0 to the peak, then cosine to the final value', () => {
  const schedule = cosine(1, { totalSteps: 110, warmupSteps: 10, final: 0.1 });
  // Start, mid-warmup, warmup end (the peak), halfway through the decay, the end, beyond.
  assertAllClose(at(schedule, [0, 5, 10, 60, 110, 500]), [0, 0.5, 1, 0.55, 0.1, 0.1]);
  assertAllClose([schedule(35)], [0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2]);
});

test('cosine without warmup starts at the peak and decays to 0 by default', () => {
  assertAllClose(at(cosine(0.2, { totalSteps: 100 }), [0, 50, 100]), [0.2, 0.1, 0], { atol: 1e-12 });
});

test('invalid arguments raise RangeErrors naming the parameter', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => constantSchedule(NaN), /value must be a finite number/],
    [() => stepDecay(1, { every: 0 }), /every must be an integer > 0/],
    [() => stepDecay(1, { every: 2.5 }), /every must be an integer > 0/],
    [() => stepDecay(1, { every: 10, factor: 0 }), /factor must be a finite number > 0/],
    [() => cosine(1, { totalSteps: 0 }), /totalSteps must be an integer > 0/],
    [() => cosine(1, { totalSteps: 10, warmupSteps: -1 }), /warmupSteps must be an integer ≥ 0/],
    [() => cosine(1, { totalSteps: 10, warmupSteps: 10 }), /warmupSteps must be less than totalSteps \(10\), got 10/],
    [() => cosine(1, { totalSteps: 10, final: Infinity }), /final must be a finite number/],
    [() => linear(0, 1, 0), /steps must be an integer > 0/],
    [() => join([constantSchedule(1), constantSchedule(2)], []), /boundaries must hold one step fewer/],
    [() => join([constantSchedule(1), constantSchedule(2), constantSchedule(3)], [5, 5]), /boundaries must increase/],
  ];
  for (const [make, message] of cases) assert.throws(make, (e: Error) => e instanceof RangeError && message.test(e.message));
});
