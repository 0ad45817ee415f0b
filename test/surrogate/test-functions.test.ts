import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TestFunction, ackley, federatedQuadratic, levy } from '../../src/surrogate/index.js';
import { assertAllClose } from '../helpers.js';
import { numericGradient, uniformPoints } from './fixtures.js';

function checkGradient(f: TestFunction, seed: number): void {
  for (const x of uniformPoints(5, f.dimension, seed, f.lower, f.upper)) {
    assertAllClose(f.gradient(x), numericGradient((z) => f.value(z), x, 1e-6), { rtol: 1e-6, atol: 1e-7, what: `${f.name} gradient at [${x}]` });
  }
}

test('Ackley: 0 at the origin, larger elsewhere in the box, standard values, gradient matches differences', () => {
  for (const d of [1, 2, 10]) {
    const f = ackley(d);
    assert.ok(Math.abs(f.value(f.minimizer)) < 1e-14);
    assert.equal(f.minimum, 0);
    for (const x of uniformPoints(50, d, d, f.lower, f.upper)) assert.ok(f.value(x) > 0);
    checkGradient(f, 10 + d);
  }
  // The standard form at x = 1 in 1-D: −20 e^{−0.2} − e^{cos 2π} + 20 + e.
  assert.ok(Math.abs(ackley(1).value(new Float64Array([1])) - (-20 * Math.exp(-0.2) - Math.E + 20 + Math.E)) < 1e-12);
  checkGradient(ackley(4, { c: Math.PI }), 3);
  assert.deepEqual(ackley(3).gradient(new Float64Array(3)), new Float64Array(3));
  assert.deepEqual([ackley(2).lower, ackley(2).upper], [-32, 32]);
});

test('Levy: 0 with zero gradient at x = 1, larger elsewhere in the box, standard sum from i = 1, gradient matches differences', () => {
  for (const d of [1, 2, 10]) {
    const f = levy(d);
    assert.ok(Math.abs(f.value(f.minimizer)) < 1e-28);
    assertAllClose(f.gradient(f.minimizer), new Float64Array(d), { atol: 1e-14 });
    for (const x of uniformPoints(50, d, d, f.lower, f.upper)) assert.ok(f.value(x) > 0);
    checkGradient(f, 20 + d);
  }
  // d = 2 at x = (5, 1): w = (2, 1): sin²(2π) + (2 − 1)²(1 + 10 sin²(2π + 1)) + 0.
  assert.ok(Math.abs(levy(2).value(new Float64Array([5, 1])) - (Math.sin(2 * Math.PI) ** 2 + 1 + 10 * Math.sin(2 * Math.PI + 1) ** 2)) < 1e-12);
  assert.deepEqual([levy(2).lower, levy(2).upper], [-10, 10]);
});

test('the federated quadratic\'s clients average to F = (1/10d)(Σ x² + x + 1) for every heterogeneity C', () => {
  const d = 30;
  for (const heterogeneity of [0.5, 5, 50]) {
    const problem = federatedQuadratic({ dimension: d, clients: 5, heterogeneity, seed: 3 });
    for (let j = 0; j < d; j++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < 5; i++) {
        a += problem.a[i * d + j]!;
        b += problem.b[i * d + j]!;
      }
      assert.ok(Math.abs(a - 1) < 1e-12 && Math.abs(b - 1) < 1e-12, `input ${j}: Dirichlet columns sum to 1`);
    }
    for (const x of uniformPoints(3, d, 4, -10, 10)) {
      const expected = (x.reduce((s, v) => s + v * v + v, 0) + 1) / (10 * d);
      const mean = problem.clients.reduce((s, f) => s + f.value(x) / 5, 0);
      assert.ok(Math.abs(problem.global.value(x) - expected) < 1e-12 && Math.abs(mean - expected) < 1e-12, `C ${heterogeneity}`);
      const meanGradient = problem.clients.map((f) => f.gradient(x)).reduce((s, g) => s.map((v, i) => v + g[i]! / 5), new Float64Array(d));
      assertAllClose(meanGradient, problem.global.gradient(x), { rtol: 1e-10, atol: 1e-14 });
    }
    problem.clients.forEach((f, i) => checkGradient(f, 50 + i));
  }
  const global = federatedQuadratic({ dimension: d, heterogeneity: 5, seed: 3 }).global;
  assertAllClose(global.minimizer, new Float64Array(d).fill(-0.5), { rtol: 0, atol: 0 });
  assert.ok(Math.abs(global.minimum - (1 - d / 4) / (10 * d)) < 1e-15);
});

test('heterogeneous clients have their box minima where no random point of the box does better, and C = 0 makes them all F', () => {
  const problem = federatedQuadratic({ dimension: 8, heterogeneity: 50, seed: 11 });
  for (const f of problem.clients) {
    for (const x of uniformPoints(200, 8, 5, -10, 10)) assert.ok(f.value(x) >= f.minimum - 1e-12, `${f.name}`);
  }
  // Strong heterogeneity makes some coefficients of x² negative: those minima sit on the boundary.
  assert.ok(problem.clients.some((f) => f.minimizer.some((v) => Math.abs(v) === 10)));
  const homogeneous = federatedQuadratic({ dimension: 8, heterogeneity: 0, seed: 11 });
  const x = uniformPoints(1, 8, 2, -10, 10)[0]!;
  for (const f of homogeneous.clients) assert.equal(f.value(x), homogeneous.global.value(x));
  assert.deepEqual(federatedQuadratic({ dimension: 8, heterogeneity: 50, seed: 11 }).a, problem.a);
});
