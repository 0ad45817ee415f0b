import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mnistInput } from '../../examples/playground/drawing.js';

/** A width × height canvas with the given rectangles inked at `value`. */
function canvas(width: number, height: number, rects: readonly [x0: number, y0: number, x1: number, y1: number, value: number][]): Float32Array {
  const ink = new Float32Array(width * height);
  for (const [x0, y0, x1, y1, value] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ink[y * width + x] = value;
  return ink;
}

/** Total ink, centre of mass (pixel centres) and inked bounding box of a 28×28 image. */
function measure(image: Float32Array): { mass: number; cx: number; cy: number; box: [number, number, number, number] } {
  let [mass, mx, my] = [0, 0, 0];
  const box: [number, number, number, number] = [28, 28, -1, -1];
  image.forEach((v, i) => {
    if (v <= 1e-6) return;
    const [x, y] = [i % 28, Math.floor(i / 28)];
    mass += v;
    mx += v * (x + 0.5);
    my += v * (y + 0.5);
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  });
  return { mass, cx: mx / mass, cy: my / mass, box };
}

test('a drawing is scaled to fit 20×20 (aspect kept, ink conserved by area) and centred by its mass at (14, 14)', () => {
  // A tall bar in the top-left corner of a 280×280 pad: 40 wide, 200 tall, so the scale is 20/200.
  const image = mnistInput(canvas(280, 280, [[10, 20, 50, 220, 1]]), 280, 280)!;
  const { mass, cx, cy, box } = measure(image);
  assert.ok(Math.abs(mass - 40 * 200 * 0.1 ** 2) < 1e-3, `ink ${mass}: area × scale²`);
  assert.ok(Math.abs(cx - 14) < 1e-4 && Math.abs(cy - 14) < 1e-4, `centre of mass (${cx}, ${cy})`);
  assert.deepEqual(box, [12, 4, 15, 23], 'a 4×20 bar around the centre');
  assert.ok(image.every((v) => v >= 0 && v <= 1));
});

test('the centre of mass, not the box, is what lands in the middle; a small drawing is scaled up', () => {
  // An L of 10×10 pixels (scale 2): a 2-wide stem and an 8-wide foot, 2 tall. Centre of
  // mass (8.22, 11.78), 3.22 and 6.78 pixels from the box's corner: the box starts at (7.56, 0.44).
  const image = mnistInput(canvas(50, 40, [[5, 5, 7, 15, 1], [7, 13, 15, 15, 1]]), 50, 40)!;
  const { mass, cx, cy, box } = measure(image);
  assert.ok(Math.abs(mass - 36 * 4) < 1e-3, `ink ${mass}`);
  assert.ok(Math.abs(cx - 14) < 1e-4 && Math.abs(cy - 14) < 1e-4, `centre of mass (${cx}, ${cy})`);
  assert.deepEqual(box, [7, 0, 27, 20]);
});

test('a lopsided drawing is moved only as far as keeps all of it inside the frame', () => {
  // A heavy blob at the left end of a long faint line: centring its mass would push the line's end past the right edge.
  const image = mnistInput(canvas(200, 40, [[0, 0, 20, 20, 1], [20, 9, 200, 11, 0.05]]), 200, 40)!;
  const { mass, cx, box } = measure(image);
  assert.ok(Math.abs(mass - (400 + 180 * 2 * 0.05) * 0.1 ** 2) < 1e-4, `all the ink is kept: ${mass}`);
  assert.deepEqual([box[0], box[2]], [8, 27], 'the box spans the frame\'s last 20 columns');
  assert.ok(cx < 14, 'so the centre of mass stays left of the middle');
});

test('nothing drawn gives undefined; a canvas of the wrong size is refused', () => {
  assert.equal(mnistInput(new Float32Array(100), 10, 10), undefined);
  assert.throws(() => mnistInput(new Float32Array(99), 10, 10), /ink holds 99 values, not width × height = 10 × 10/);
  assert.throws(() => mnistInput(new Float32Array(0), 0, 0), RangeError);
});
