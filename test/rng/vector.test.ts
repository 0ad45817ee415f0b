import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { scalarVector } from '../../src/rng/scalar-vector.js';
import { Domain } from '../../src/rng/stream.js';
import { CHUNK, type VectorBackend, appliedRatio } from '../../src/rng/vector.js';
import { loadWasmKernel } from '../../src/rng/wasm-backend.js';

const wasm = loadWasmKernel()!.vector;
const bits = (values: Float32Array): number[] => [...new Uint32Array(values.buffer, values.byteOffset, values.length)];

/** float32 values of every kind the optimisers meet: tiny, subnormal, huge, signed zeros, ordinary. */
const value = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.float({ min: -1, max: 1, noNaN: true }),
  fc.constantFrom(0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4e38, -3.4e38, 1, -1),
);
const arrays = (slots: number) => fc.integer({ min: 0, max: 70 }).chain((n) => fc.tuple(...Array.from({ length: slots }, () => fc.array(value, { minLength: n, maxLength: n }))));

/** Runs `op` on both backends with the same slot contents; returns each backend's slots after it. */
function both(inputs: readonly number[][], op: (k: VectorBackend, n: number) => unknown): { wasm: number[][]; scalar: number[][]; results: unknown[] } {
  const n = inputs[0]!.length;
  const results = [wasm, scalarVector].map((k) => {
    inputs.forEach((values, s) => k.slots[s]!.set(values));
    return op(k, n);
  });
  const read = (k: VectorBackend) => inputs.map((_, s) => bits(k.slots[s]!.subarray(0, n)));
  return { wasm: read(wasm), scalar: read(scalarVector), results };
}

const run = { numRuns: 150 };

describe('the WebAssembly arithmetic kernels equal the TypeScript reference bit for bit', () => {
  test('scale by a float64 factor, axpy, clamp, and scale-then-add', () => {
    fc.assert(
      fc.property(arrays(2), fc.double({ noNaN: true, min: -1e3, max: 1e3 }), ([u, x], f) => {
        for (const op of [(k: VectorBackend, n: number) => k.scale(0, n, f), (k: VectorBackend, n: number) => k.axpy(0, 1, n, f), (k: VectorBackend, n: number) => k.clamp(0, n, -Math.abs(f), Math.abs(f)), (k: VectorBackend, n: number) => k.addScaled(0, 1, n, f)]) {
          const r = both([u, x], op);
          assert.deepEqual(r.wasm, r.scalar);
        }
        // addScaled is scale, then add: the same bits as the two kernels in turn.
        const fused = both([u, x], (k, n) => k.addScaled(0, 1, n, f));
        const apart = both([u, x], (k, n) => {
          k.scale(1, n, f);
          k.add(0, 0, 1, n);
        });
        assert.deepEqual(fused.scalar[0], apart.scalar[0]);
      }),
      run,
    );
  });

  test('add, sub, mul into a third slot', () => {
    fc.assert(
      fc.property(arrays(3), ([a, b, c]) => {
        for (const name of ['add', 'sub', 'mul'] as const) {
          const r = both([a, b, c], (k, n) => k[name](2, 0, 1, n));
          assert.deepEqual(r.wasm, r.scalar);
        }
      }),
      run,
    );
  });

  test('adam and momentum (heavy ball and Nesterov) update their state slots alike', () => {
    fc.assert(
      fc.property(arrays(3), fc.integer({ min: 0, max: 50 }), ([u, mu, nu], step) => {
        const positive = nu.map(Math.abs);
        const adam = both([u, mu, positive], (k, n) => k.adam(0, 1, 2, n, 0.9, 0.999, 1 / (1 - 0.9 ** (step + 1)), 1 / (1 - 0.999 ** (step + 1)), 1e-8));
        assert.deepEqual(adam.wasm, adam.scalar);
        for (const nesterov of [false, true]) {
          const momentum = both([u, mu], (k, n) => k.momentum(0, 1, n, 0.9, nesterov));
          assert.deepEqual(momentum.wasm, momentum.scalar);
        }
      }),
      run,
    );
  });

  test('sums of squares in order, and the finite check', () => {
    fc.assert(
      fc.property(arrays(1), fc.boolean(), ([u], poison) => {
        const values = poison && u.length > 0 ? u.map((v, i) => (i === u.length - 1 ? Number.POSITIVE_INFINITY : v)) : u;
        const r = both([values], (k, n) => [k.sumSquares(0, n, 0.5), k.finite(0, n)]);
        assert.deepEqual(r.results[0], r.results[1]);
        assert.equal((r.results[0] as [number, boolean])[1], !(poison && u.length > 0) && values.every(Number.isFinite));
      }),
      run,
    );
  });

  test("applied step: every chunking of θ and every alignment gives the same sums", () => {
    fc.assert(
      fc.property(arrays(2), fc.integer({ min: 0, max: 7 }), fc.boolean(), fc.integer({ min: 1, max: 9 }), ([theta, o], first, central, cut) => {
        const sums = [wasm, scalarVector].map((k) => {
          const acc = new Float64Array(8);
          for (let start = 0; start < theta.length; start += cut) {
            const n = Math.min(cut, theta.length - start);
            k.slots[0]!.set(theta.slice(start, start + n));
            k.slots[1]!.set(o.slice(start, start + n).map((v) => v * 1e-3));
            k.applied(0, 1, n, first + start, central, acc);
          }
          return [...acc];
        });
        const whole = new Float64Array(8);
        scalarVector.slots[0]!.set(theta);
        scalarVector.slots[1]!.set(o.map((v) => v * 1e-3));
        scalarVector.applied(0, 1, theta.length, first, central, whole);
        assert.deepEqual(sums[0], sums[1]);
        assert.deepEqual(sums[1], [...whole]);
      }),
      run,
    );
  });

  test('a pair of copies, and applied storing the copies it measures', () => {
    fc.assert(
      fc.property(arrays(4), fc.integer({ min: 0, max: 7 }), fc.boolean(), ([theta, o, p, m], first, central) => {
        const pair = both([theta, o, p, m], (k, n) => k.pair(2, 3, 0, 1, n));
        assert.deepEqual(pair.wasm, pair.scalar);
        const sums = both([theta, o, p, m], (k, n) => {
          const acc = new Float64Array(8);
          k.applied(0, 1, n, first, central, acc, { plus: 2, minus: 3 });
          return [...acc];
        });
        assert.deepEqual(sums.wasm, sums.scalar);
        assert.deepEqual(sums.results[0], sums.results[1]);
        const f32 = (x: number) => bits(Float32Array.of(x))[0];
        const [t, x] = [theta.map(Math.fround), o.map(Math.fround)];
        assert.deepEqual(sums.scalar[2], t.map((v, i) => f32(v + x[i]!)));
        assert.deepEqual(sums.scalar[3], t.map((v, i) => f32(central ? v - x[i]! : v)));
      }),
      run,
    );
  });

  test('noise drawn into a slot', () => {
    for (const domain of [Domain.Gaussian, Domain.Rademacher]) {
      const r = both([new Array<number>(CHUNK).fill(0)], (k, n) => k.noise(0, domain, n - 7, 12345, 7, 9, 0.25));
      assert.deepEqual(r.wasm, r.scalar);
    }
  });
});

describe('the arithmetic is the float32 arithmetic of the optimisers', () => {
  test('scale and axpy round once from float64; the applied fraction is 1 when nothing rounds', () => {
    scalarVector.slots[0]!.set([1.1, -3, 0.1]);
    scalarVector.slots[1]!.set([2, 2, 2]);
    scalarVector.scale(0, 3, 0.1);
    assert.deepEqual([...scalarVector.slots[0]!.subarray(0, 3)], [Math.fround(Math.fround(1.1) * 0.1), Math.fround(-3 * 0.1), Math.fround(Math.fround(0.1) * 0.1)]);
    const acc = new Float64Array(8);
    wasm.slots[0]!.set([1, 2, 4, 8, 16]);
    wasm.slots[1]!.set([0.5, -0.25, 0.5, 1, -2]);
    wasm.applied(0, 1, 5, 3, true, acc);
    assert.equal(appliedRatio(acc), 1);
    wasm.slots[0]!.set([1e8]);
    wasm.slots[1]!.set([1]);
    acc.fill(0);
    wasm.applied(0, 1, 1, 0, true, acc);
    assert.equal(appliedRatio(acc), 0, 'θ ± 1 rounds back to θ = 1e8 in float32');
  });
});
