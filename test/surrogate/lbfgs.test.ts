import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimizeBoxLbfgs } from '../../src/surrogate/index.js';
import { assertAllClose } from '../helpers.js';

const wide = { lower: new Float64Array([-5, -5]), upper: new Float64Array([5, 5]) };

test('minimises the Rosenbrock function from (−1.2, 1) to (1, 1)', () => {
  const rosenbrock = (x: Float64Array) => ({
    value: 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2,
    gradient: new Float64Array([-400 * x[0]! * (x[1]! - x[0]! ** 2) - 2 * (1 - x[0]!), 200 * (x[1]! - x[0]! ** 2)]),
  });
  const result = minimizeBoxLbfgs(rosenbrock, new Float64Array([-1.2, 1]), { ...wide, maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 });
  assert.ok(result.converged);
  assertAllClose(result.x, [1, 1], { atol: 1e-5, rtol: 0 });
  assert.ok(result.iterations < 100, `${result.iterations} iterations`);
});

test('stops on the bound when the unconstrained minimum lies outside the box, and minimises the free coordinates', () => {
  // f = (x0 − 3)² + (x1 + 1)² + x0 x1 on [−2, 2] × [−3, 2]: the unconstrained minimum (14/3, −10/3) is outside;
  // the box minimum has x0 = 2 on its bound and x1 = −1 − x0/2 = −2 inside.
  const f = (x: Float64Array) => ({
    value: (x[0]! - 3) ** 2 + (x[1]! + 1) ** 2 + x[0]! * x[1]!,
    gradient: new Float64Array([2 * (x[0]! - 3) + x[1]!, 2 * (x[1]! + 1) + x[0]!]),
  });
  const result = minimizeBoxLbfgs(f, new Float64Array([0, 0]), { lower: new Float64Array([-2, -3]), upper: new Float64Array([2, 2]), relativeTolerance: 0, gradientTolerance: 1e-9 });
  assert.ok(result.converged);
  assertAllClose(result.x, [2, -2], { atol: 1e-6, rtol: 0 });
});

test('a trial point where the objective throws is backtracked from, not fatal', () => {
  // The objective is undefined beyond x = 1.5; the minimum of (x − 1)² is inside.
  const f = (x: Float64Array) => {
    if (x[0]! > 1.5) throw new Error('undefined here');
    return { value: (x[0]! - 1) ** 2, gradient: new Float64Array([2 * (x[0]! - 1)]) };
  };
  const result = minimizeBoxLbfgs(f, new Float64Array([-4]), { lower: new Float64Array([-10]), upper: new Float64Array([10]) });
  assertAllClose(result.x, [1], { atol: 1e-6, rtol: 0 });
});
