import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianPair } from '../../src/rng/gaussian.js';
import { philox4x32 } from '../../src/rng/index.js';

test('float32 Box–Muller stays within a few ulps of exact Box–Muller on the same words', () => {
  const edges = [
    0, 1, 2, 3, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0x80000001, 0xc0000000, 0xfffffffe, 0xffffffff,
  ];
  const pairs: [number, number][] = edges.flatMap((r) => edges.map((a): [number, number] => [r, a]));
  for (let i = 0; i < 1 << 17; i++) {
    const [w0, w1, w2, w3] = philox4x32([i, 0, 0, 0], [0x1234, 0x5678]);
    pairs.push([w0!, w1!], [w2!, w3!]);
  }
  const out = new Float32Array(2);
  let worst = 0;
  for (const [wordR, wordA] of pairs) {
    gaussianPair(out, 0, 1, wordR, wordA, 1);
    const r = Math.sqrt(-2 * Math.log(((wordR >>> 1) + 0.5) / 2 ** 31));
    const theta = (Math.PI / 2) * ((wordA | 0) / 2 ** 31);
    const exact = [r * Math.cos(theta) * (wordR & 1 ? -1 : 1), r * Math.sin(theta)];
    // 8 float32 ulps of r, plus the float32 rounding of u near 1 (r ≲ 1e-3, probability ~1e-6).
    const bound = r * 2 ** -21 + 2 ** -24 / r;
    for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(out[k]! - exact[k]!) / bound);
  }
  assert.ok(worst <= 1, `error reaches ${worst} of the bound`);
});

test('the largest radius, from the smallest u = 2^-32, is about 6.66', () => {
  const out = new Float32Array(2);
  gaussianPair(out, 0, 1, 0, 0, 1);
  assert.equal(out[1], 0);
  assert.ok(Math.abs(out[0]! - Math.sqrt(64 * Math.LN2)) < 1e-5);
});
