import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ParamLayout } from '../../src/nn/params.js';
import { checkPattern, densityMask, maskDensity, maskedParams, nmMask, parsePattern, parseSubnets } from '../../src/sparse/masks.js';
import { pruneAndRegrow, prunedDensity, regrowFraction } from '../../src/sparse/schedule.js';
import { testRandom } from '../helpers.js';

const zeros = { kind: 'zeros' } as const;

/** A linear layer [in, out] with bias and a convolution [out, in, 3, 3]. */
function layout(inputs: number, outputs: number, channels: number): ParamLayout {
  return new ParamLayout([
    { name: 'fc.weight', shape: [inputs, outputs], init: zeros },
    { name: 'fc.bias', shape: [outputs], init: zeros },
    { name: 'conv.weight', shape: [2, channels, 3, 3], init: zeros },
  ]);
}

function scores(size: number, seed: number, distinct = 1000): Float32Array {
  const random = testRandom(seed);
  // Few distinct values: ties must not break the counts.
  return Float32Array.from({ length: size }, () => Math.floor(random() * distinct) / distinct);
}

describe('sparsity masks', () => {
  test('N:M masks keep exactly N of every M along the input axis, the largest scores', () => {
    fc.assert(
      fc.property(fc.constantFrom([1, 4], [2, 4], [1, 8], [3, 4]), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer(), fc.integer({ min: 2, max: 50 }), ([n, m], g, outs, seed, distinct) => {
        const l = layout(g * m!, outs, g * m!);
        const s = scores(l.size, seed, distinct);
        const mask = nmMask(l, maskedParams(l), s, n!, m!);
        assert.deepEqual([...l.view(mask, 'fc.bias')], new Array(outs).fill(1), 'the bias stays dense');
        const check = (indices: number[]) => {
          const kept = indices.filter((i) => mask[i] === 1);
          assert.equal(kept.length, n);
          const dropped = indices.filter((i) => mask[i] === 0);
          if (dropped.length > 0) assert.ok(Math.min(...kept.map((i) => s[i]!)) >= Math.max(...dropped.map((i) => s[i]!)));
        };
        const fcEntry = l.get('fc.weight');
        // fc [in, out]: groups of M consecutive inputs of each output.
        for (let o = 0; o < outs; o++) for (let i = 0; i < g * m!; i += m!) check(Array.from({ length: m! }, (_, t) => fcEntry.offset + (i + t) * outs + o));
        const conv = l.get('conv.weight');
        // conv [out, in, 3, 3]: groups of M input channels at each kernel position.
        for (let o = 0; o < 2; o++) for (let p = 0; p < 9; p++) for (let c = 0; c < g * m!; c += m!) check(Array.from({ length: m! }, (_, t) => conv.offset + (o * g * m! + c + t) * 9 + p));
      }),
      { numRuns: 40 },
    );
  });

  test('density masks keep round(density · n) entries (within one), the largest scores globally', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.integer(), fc.integer({ min: 2, max: 100 }), (inputs, outs, density, seed, distinct) => {
        const l = layout(inputs, outs, 3);
        const entries = maskedParams(l);
        const n = entries.reduce((a, e) => a + e.size, 0);
        const s = scores(l.size, seed, distinct);
        const mask = densityMask(l, entries, s, density);
        const kept = entries.flatMap((e) => Array.from({ length: e.size }, (_, j) => e.offset + j)).filter((i) => mask[i] === 1);
        assert.ok(Math.abs(kept.length - density * n) <= 1, `${kept.length} kept of ${n} at density ${density}`);
        assert.ok(Math.abs(maskDensity(mask, entries) - density) <= 1 / n);
        const dropped = entries.flatMap((e) => Array.from({ length: e.size }, (_, j) => e.offset + j)).filter((i) => mask[i] === 0);
        if (dropped.length > 0 && kept.length > 0) assert.ok(Math.min(...kept.map((i) => s[i]!)) >= Math.max(...dropped.map((i) => s[i]!)));
      }),
      { numRuns: 60 },
    );
  });

  test('a density mask within another keeps only entries of it', () => {
    const l = layout(16, 4, 2);
    const entries = maskedParams(l);
    const s = scores(l.size, 3);
    const half = densityMask(l, entries, s, 0.5);
    // Reversed scores would pick the other half; within `half` they must not.
    const reversed = s.map((v) => 1 - v);
    const quarter = densityMask(l, entries, reversed, 0.25, half);
    for (let i = 0; i < l.size; i++) if (quarter[i] === 1 && entries.some((e) => i >= e.offset && i < e.offset + e.size)) assert.equal(half[i], 1);
    assert.ok(Math.abs(maskDensity(quarter, entries) - 0.25) <= 1 / 100);
  });

  test('bad patterns are refused with the valid forms', () => {
    assert.deepEqual(parseSubnets('0.1,0.05,0.02').map((p) => p.kind), ['density', 'density', 'density']);
    assert.deepEqual(parsePattern('2:4'), { kind: 'n:m', n: 2, m: 4 });
    assert.deepEqual(parsePattern('1'), { kind: 'density', density: 1 });
    for (const [text, message] of [['0', /density must lie in \(0, 1\]/], ['1.5', /density must lie in \(0, 1\]/], ['-0.1', /density must lie/], ['5:4', /1 ≤ N ≤ M, got N = 5, M = 4/], ['0:4', /1 ≤ N ≤ M/], ['dense', /neither a density/], ['', /neither a density/]] as const) {
      assert.throws(() => parsePattern(text), { name: 'RangeError', message }, text);
    }
    const l = layout(6, 3, 8);
    assert.throws(() => checkPattern({ kind: 'n:m', n: 1, m: 4 }, maskedParams(l)), { name: 'RangeError', message: /input axis of 'fc.weight' \[6, 3\] \(6\) to be a multiple of 4/ });
    assert.throws(() => maskedParams(l, 'head.*'), /'head.\*' matches no parameter/);
  });
});

describe('pruning schedules', () => {
  test("the cubic density ramp and the cosine regrowth fraction hit AST's end points", () => {
    assert.equal(prunedDensity(0.1, 0, 100), 1);
    assert.equal(prunedDensity(0.1, 100, 100), 0.1);
    assert.equal(prunedDensity(0.1, 500, 100), 0.1);
    assert.equal(prunedDensity(0.1, 0, 0), 0.1);
    assert.ok(Math.abs(prunedDensity(0.1, 50, 100) - (0.1 + 0.9 / 8)) < 1e-12);
    assert.equal(regrowFraction(0, 1000), 0.5);
    assert.ok(Math.abs(regrowFraction(1000, 1000) - 0.005) < 1e-12);
    assert.ok(Math.abs(regrowFraction(500, 1000) - (0.5 + 0.005) / 2) < 1e-12);
  });

  test('prune and regrow swaps the smallest kept weights for the missing ones of largest gradient, per layer', () => {
    const l = layout(10, 4, 2);
    const entries = maskedParams(l);
    const random = testRandom(9);
    const theta = Float32Array.from({ length: l.size }, () => random() - 0.5);
    const grad = Float32Array.from({ length: l.size }, () => random() - 0.5);
    const mask = densityMask(l, entries, theta.map(Math.abs), 0.3);
    const next = pruneAndRegrow(l, entries, mask, theta, grad, 0.5);
    for (const e of entries) {
      const idx = Array.from({ length: e.size }, (_, j) => e.offset + j);
      const kept = idx.filter((i) => mask[i] === 1);
      const missing = idx.filter((i) => mask[i] === 0);
      const swap = Math.min(Math.ceil(0.5 * kept.length), missing.length);
      const dropped = kept.filter((i) => next[i] === 0);
      const grown = missing.filter((i) => next[i] === 1);
      assert.equal(dropped.length, swap, e.name);
      assert.equal(grown.length, swap, e.name);
      const stay = kept.filter((i) => next[i] === 1);
      if (stay.length > 0) assert.ok(Math.max(...dropped.map((i) => Math.abs(theta[i]!))) <= Math.min(...stay.map((i) => Math.abs(theta[i]!))));
      const left = missing.filter((i) => next[i] === 0);
      if (left.length > 0) assert.ok(Math.min(...grown.map((i) => Math.abs(grad[i]!))) >= Math.max(...left.map((i) => Math.abs(grad[i]!))));
    }
    assert.equal(maskDensity(next, entries), maskDensity(mask, entries));
    assert.deepEqual([...l.view(next, 'fc.bias')], [1, 1, 1, 1]);
  });
});
