import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pixelsToUnit } from '../../src/data/pixels.js';

test('pixelsToUnit maps byte k to the float32 nearest k/255', () => {
  const out = pixelsToUnit(Uint8Array.from({ length: 256 }, (_, k) => k));
  assert.equal(out[0], 0);
  assert.equal(out[255], 1);
  for (let k = 0; k < 256; k++) assert.equal(out[k], Math.fround(k / 255));
});
