import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Distribution, directionChunk, directionSum } from '../../src/objectives/directions.js';
import { readChunks } from '../../src/rng/noise.js';
import { scalarVector } from '../../src/rng/scalar-vector.js';
import { CHUNK } from '../../src/rng/vector.js';

/** Σₖ aₖ zₖ as the update always formed it: from zero, one direction at a time, (aₖ/ε)·εzₖ added in float64 and rounded. */
function reference(size: number, distribution: Distribution, epsilon: number, weights: Float64Array, mask?: Float32Array): Float32Array {
  const out = new Float32Array(size);
  for (let at = 0; at < size; at += CHUNK) {
    const n = Math.min(CHUNK, size - at);
    scalarVector.slots[0]!.fill(0);
    weights.forEach((a, d) => {
      if (a === 0) return;
      directionChunk(scalarVector, 1, 99n, distribution, 3 + d, size, at, n, epsilon, mask, 2);
      scalarVector.axpy(0, 1, n, a / epsilon);
    });
    out.set(scalarVector.slots[0]!.subarray(0, n), at);
  }
  return out;
}

const bits = (values: Float32Array) => [...new Uint32Array(values.buffer, values.byteOffset, values.length)];

test('a direction sum is the same bits whichever way its first Rademacher term is drawn', () => {
  const size = CHUNK + 1001;
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constantFrom(0, -0, 1e-300, -1e-300, 3.4e38)), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(1e-3, 1e-4, 0.1, 3),
      fc.constantFrom<Distribution>('rademacher', 'gaussian'),
      fc.boolean(),
      (weights, epsilon, distribution, masked) => {
        const mask = masked ? Float32Array.from({ length: size }, (_, i) => i % 3) : undefined;
        const a = Float64Array.from(weights);
        const sum = directionSum({ key: 99n, distribution, epsilon, first: 3, count: a.length, ...(mask && { mask }) }, a, size);
        assert.deepEqual(bits(readChunks(sum)), bits(reference(size, distribution, epsilon, a, mask)));
      },
    ),
    { numRuns: 60 },
  );
});
