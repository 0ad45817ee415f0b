import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentView } from '../../src/data/augment.js';

/** b distinct 2×5×6 images: value = example·1000 + channel·100 + row·10 + column. */
function images(b: number): Float32Array {
  return Float32Array.from({ length: b * 60 }, (_, i) => Math.floor(i / 60) * 1000 + (Math.floor(i / 30) % 2) * 100 + (Math.floor(i / 6) % 5) * 10 + (i % 6));
}

test('a view shifts each image circularly by its own offset within the limit, the same for every channel', () => {
  const b = 40;
  const x = images(b);
  const view = augmentView(x, [2, 5, 6], 7, { shift: 2, noise: 0 });
  const seen = new Set<string>();
  for (let e = 0; e < b; e++) {
    // Pixel (row 0, column 0) of channel 0 came from (−dy mod 5, −dx mod 6).
    const source = view[e * 60]! - e * 1000;
    const [dy, dx] = [(5 - Math.floor(source / 10)) % 5, (6 - (source % 10)) % 6];
    const signed = [dy > 2 ? dy - 5 : dy, dx > 2 ? dx - 6 : dx];
    assert.ok(signed.every((d) => Math.abs(d) <= 2), `example ${e}: shift ${signed}`);
    seen.add(signed.join(','));
    for (let c = 0; c < 2; c++) {
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 6; col++) {
          const expected = e * 1000 + c * 100 + ((row - dy + 5) % 5) * 10 + ((col - dx + 6) % 6);
          assert.equal(view[e * 60 + c * 30 + row * 6 + col], expected);
        }
      }
    }
  }
  assert.ok(seen.size > 10, `only ${seen.size} distinct shifts among ${b} examples`);
});

test('views replay from their key, differ between keys, and carry noise of the given scale', () => {
  const x = new Float32Array(20 * 784);
  const [a, again, other] = [augmentView(x, [1, 28, 28], 3), augmentView(x, [1, 28, 28], 3), augmentView(x, [1, 28, 28], 4)];
  assert.deepEqual(a, again);
  assert.notDeepEqual(a, other);
  const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(std - 0.1) < 0.005, `noise std ${std}`);
  assert.throws(() => augmentView(new Float32Array(5), [2, 2], 0), /5 values do not hold whole examples of \[2, 2\]/);
});
