import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSeed, fillGaussian } from '../../src/rng/index.js';

test('deriveSeed is a deterministic 64-bit hash of the seed and every stream id, in order', () => {
  const seeds = [
    deriveSeed(42),
    deriveSeed(42, 0),
    deriveSeed(42, 1),
    deriveSeed(42, 0, 0),
    deriveSeed(42, 0, 1),
    deriveSeed(42, 1, 0),
    deriveSeed(43, 0),
    deriveSeed(42, 2n ** 64n - 1n),
  ];
  assert.equal(seeds[0], 42n);
  assert.equal(new Set(seeds).size, seeds.length);
  assert.equal(deriveSeed(42, 7, 3), deriveSeed(42n, 7n, 3));
  for (const s of seeds) assert.ok(s >= 0n && s < 2n ** 64n);
  // Changing one id bit flips about half of the 64 output bits.
  const flipped = (deriveSeed(42, 1000) ^ deriveSeed(42, 1001)).toString(2).replaceAll('0', '').length;
  assert.ok(flipped > 16 && flipped < 48, `${flipped} bits differ`);
});

test('streams of sibling derived seeds are uncorrelated', () => {
  const n = 1 << 16;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  fillGaussian(a, deriveSeed(7, 0));
  fillGaussian(b, deriveSeed(7, 1));
  let dot = 0;
  for (let i = 0; i < n; i++) dot += a[i]! * b[i]!;
  // Sample correlation of independent normals has standard error 1/√n.
  assert.ok(Math.abs(dot / n) < 5 / Math.sqrt(n), `correlation ${dot / n}`);
});

test('deriveSeed validates the seed and each stream id by name', () => {
  assert.throws(() => deriveSeed(-1), { name: 'RangeError', message: /^seed / });
  assert.throws(() => deriveSeed(2n ** 64n), { name: 'RangeError', message: /^seed / });
  assert.throws(() => deriveSeed(1, 0, 1.5), { name: 'RangeError', message: /^streamIds\[1\]/ });
  assert.throws(() => deriveSeed(1, 2 ** 53), { name: 'RangeError', message: /^streamIds\[0\]/ });
  assert.throws(() => deriveSeed(1, '3' as unknown as number), { name: 'TypeError', message: /^streamIds\[0\]/ });
});
