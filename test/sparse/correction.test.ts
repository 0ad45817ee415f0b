import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParamLayout } from '../../src/nn/params.js';
import { correctGradient } from '../../src/sparse/correction.js';
import { dot, testRandom } from '../helpers.js';

const zeros = { kind: 'zeros' } as const;
const l = new ParamLayout([
  { name: 'a', shape: [3, 2], init: zeros },
  { name: 'b', shape: [4], init: zeros },
]);

function random(seed: number): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: l.size }, () => r() - 0.5);
}

describe('gradient correction', () => {
  test('projects a layer off the reference only when their inner product is negative; positive layers are untouched', () => {
    const g = random(1);
    const r = random(2);
    const a = l.view(r, 'a');
    const ga = l.view(g, 'a');
    // Layer a conflicts (r_a = −g_a + noise), layer b agrees (r_b = g_b).
    for (let i = 0; i < a.length; i++) a[i] = -ga[i]! + 0.1 * a[i]!;
    l.view(r, 'b').set(l.view(g, 'b'));
    const { grad, projected } = correctGradient(g, r, l);
    assert.deepEqual(projected, ['a']);
    assert.deepEqual([...l.view(grad, 'b')], [...l.view(g, 'b')], 'the agreeing layer is bit for bit the same');
    assert.ok(Math.abs(dot(l.view(grad, 'a'), a)) < 1e-6, 'the corrected layer is orthogonal to the reference');
    const c = dot(ga, a) / dot(a, a);
    l.view(grad, 'a').forEach((v, i) => assert.ok(Math.abs(v - (ga[i]! - c * a[i]!)) < 1e-6));
    assert.notEqual(grad, g, 'a new array');
  });

  test('restricted to the sub-net: the correction adds nothing outside the mask', () => {
    const mask = Float32Array.from({ length: l.size }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const g = random(3).map((v, i) => v * mask[i]!);
    const r = g.map((v) => -v).map((v, i) => v + (i % 2 === 1 ? 5 : 0));
    const { grad, projected } = correctGradient(g, r, l, { mask });
    assert.deepEqual(projected, ['a', 'b']);
    grad.forEach((v, i) => (mask[i] === 0 ? assert.equal(v, 0) : undefined));
    // g = −r on the mask: its conflicting component is all of it.
    grad.forEach((v) => assert.ok(Math.abs(v) < 1e-6));
  });

  test('a signal decides the conflict in its place (the EMA variant)', () => {
    const g = random(4);
    const r = g.slice();
    const signal = r.map((v) => -v);
    const { grad, projected } = correctGradient(g, r, l, { signal });
    assert.deepEqual(projected, ['a', 'b']);
    grad.forEach((v) => assert.ok(Math.abs(v) < 1e-6), 'projected off its own direction');
    assert.throws(() => correctGradient(g, new Float32Array(3), l), /reference must be a Float32Array of length 10/);
  });
});
