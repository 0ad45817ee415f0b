import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permutation } from '../../src/data/permutation.js';
import { fillUniform } from '../../src/rng/index.js';

function isPermutation(p: Int32Array): boolean {
  return Array.from(p)
    .sort((a, b) => a - b)
    .every((v, i) => v === i);
}

test('permutation is a seeded permutation of 0..n-1', () => {
  for (const n of [0, 1, 2, 7, 1000]) assert.ok(isPermutation(permutation(n, 3)), `n = ${n}`);
  assert.deepEqual(permutation(1000, 3), permutation(1000, 3n));
  assert.notDeepEqual(permutation(1000, 3), permutation(1000, 4));
});

test('permutation is Fisher–Yates on 48-bit fractions of the uniform stream, whatever the chunking', () => {
  // Reference: one fillUniform call for every swap; 20,000 examples span three chunks.
  const n = 20_000;
  const seed = 0xdeadbeefn;
  const u = new Float64Array(2 * (n - 1));
  fillUniform(u, seed, 0);
  const expected = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1, k = 0; i > 0; i--, k += 2) {
    const j = Math.floor((u[k]! + u[k + 1]! / 2 ** 24) * (i + 1));
    [expected[i], expected[j]] = [expected[j]!, expected[i]!];
  }
  assert.deepEqual(permutation(n, seed), expected);
});

test('permutation draws the 24 orders of 4 elements uniformly', () => {
  const counts = new Map<string, number>();
  const trials = 24_000;
  for (let s = 0; s < trials; s++) {
    const key = permutation(4, s).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 24);
  const chi2 = [...counts.values()].reduce((a, c) => a + (c - trials / 24) ** 2 / (trials / 24), 0);
  assert.ok(chi2 < 49.7, `chi-square ${chi2} with 23 degrees of freedom (p < 0.001 beyond 49.7)`);
});

test('permutation validates n', () => {
  assert.throws(() => permutation(-1, 0), { name: 'RangeError', message: /^n must be/ });
  assert.throws(() => permutation(1.5, 0), { name: 'RangeError', message: /^n must be/ });
  assert.throws(() => permutation(3, -1), { name: 'RangeError', message: /^seed / });
});
