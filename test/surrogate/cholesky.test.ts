import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from 'ml-matrix';
import { choleskyWithJitter } from '../../src/surrogate/index.js';

test('a well-conditioned matrix is factored as given, with no warning', () => {
  const warnings: string[] = [];
  const { decomposition, jitter } = choleskyWithJitter(new Matrix([[4, 2], [2, 3]]), 'A', (m) => warnings.push(m));
  assert.equal(jitter, 0);
  assert.deepEqual(warnings, []);
  assert.deepEqual(decomposition.lowerTriangularMatrix.to2DArray(), [[2, 0], [1, Math.sqrt(2)]]);
});

test('a singular matrix gets the smallest jitter from 1e-10 × mean diagonal up that factors it, reported once', () => {
  // Rank one: every pivot after the first is 0.
  const singular = new Matrix([[2, 2, 2], [2, 2, 2], [2, 2, 2]]);
  const warnings: string[] = [];
  const { decomposition, jitter } = choleskyWithJitter(singular, 'test matrix', (m) => warnings.push(m));
  assert.ok(jitter > 0 && jitter <= 1e-4 * 2);
  assert.ok(decomposition.isPositiveDefinite());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^test matrix \(3×3\) is singular or ill conditioned; added jitter \d\.\d\de-\d+ \(1e-\d+ × mean diagonal\) to its diagonal$/);
  // The first rung already passes: the later pivots² are ≈ 1e-10 × 2, far above 1e-12 × the largest diagonal entry.
  assert.equal(jitter, 2e-10);
  assert.equal(singular.get(0, 0), 2, 'the input is not modified');
  assert.equal(choleskyWithJitter(singular, 'quiet', null).jitter, 2e-10);
});

test('a matrix that no jitter up to 1e-4 × mean diagonal makes positive definite is a clear error', () => {
  assert.throws(() => choleskyWithJitter(new Matrix([[1, 2], [2, 1]]), 'kernel matrix', null), /^Error: kernel matrix \(2×2\) is not positive definite even with jitter 1\.00e-4 \(0\.0001 × mean diagonal\)/);
});
