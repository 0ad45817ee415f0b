import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { candidatesPerAnchor, emptySpaceSearch, force } from '../../src/explore/empty-space.js';
import { normals, testRandom } from '../helpers.js';

const random = testRandom(5);
/** Eight points near a line in R^50, as an optimiser's iterates are. */
const points = Array.from({ length: 8 }, (_, i) => Float32Array.from(normals(50, random), (v, j) => 0.2 * v + 0.5 * i * Math.cos(j)));

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

describe('empty-space search', () => {
  test('starts at the mean of the anchor\'s nearest points, and every move is one step long (the Gram-space walk matches θ space)', () => {
    const step = 0.05;
    const candidates = emptySpaceSearch(points, [3], { moves: 10, keepEvery: 1, momentum: 0, step });
    assert.equal(candidates.length, 11);
    const nearest = points.map((p, j) => [distance(p, points[3]!), j] as const).filter(([, j]) => j !== 3).sort((a, b) => a[0] - b[0]).slice(0, 5).map(([, j]) => j);
    const mean = points[0]!.map((_, k) => nearest.reduce((s, j) => s + points[j]![k]!, 0) / 5);
    assert.ok(distance(candidates[0]!, mean) < 1e-5);
    for (let i = 1; i < candidates.length; i++) assert.ok(Math.abs(distance(candidates[i]!, candidates[i - 1]!) - step) < 1e-4, `move ${i}`);
  });

  test('the walk leaves the crowd: the last candidate is farther from the points than the first', () => {
    const candidates = emptySpaceSearch(points, points.map((_, i) => i), { step: 0.02 });
    assert.equal(candidates.length, points.length * candidatesPerAnchor());
    assert.equal(candidatesPerAnchor(), 4);
    const clearance = (c: Float32Array) => Math.min(...points.map((p) => distance(c, p)));
    for (let a = 0; a < points.length; a++) assert.ok(clearance(candidates[4 * a + 3]!) > clearance(candidates[4 * a]!), `anchor ${a}`);
  });

  test('the force repels inside 2^(1/6)σ and attracts beyond it', () => {
    assert.ok(force(0.9, 1, 0.5) > 0);
    assert.ok(Math.abs(force(2 ** (1 / 6), 1, 0.5)) < 1e-12);
    assert.ok(force(1.5, 1, 0.5) < 0);
  });

  test('bad input is refused', () => {
    assert.throws(() => emptySpaceSearch(points.slice(0, 1), [0]), /at least two points, got 1/);
    assert.throws(() => emptySpaceSearch(points, [8]), /anchor 8 is not an index into the 8 points/);
    assert.throws(() => emptySpaceSearch(points, [0], { momentum: 1 }), /momentum must lie in \[0, 1\)/);
    assert.throws(() => emptySpaceSearch([points[0]!, new Float32Array(3)], [0]), /same length/);
  });
});
