import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  fillGaussian,
  fillRademacher,
  fillUniform,
  noiseBackend,
  setNoiseBackend,
  type NoiseArray,
  type NoiseBackendName,
  type Seed,
} from '../../src/rng/index.js';

type Fill = (out: NoiseArray, seed: Seed, offset?: number, scale?: number) => void;
const KINDS: [string, Fill][] = [
  ['gaussian', fillGaussian],
  ['rademacher', fillRademacher],
  ['uniform', fillUniform],
];

function generate(fill: Fill, length: number, seed: Seed, offset = 0, scale = 1): Float32Array {
  const out = new Float32Array(length);
  fill(out, seed, offset, scale);
  return out;
}

function withBackend<T>(name: NoiseBackendName, run: () => T): T {
  setNoiseBackend(name);
  try {
    return run();
  } finally {
    setNoiseBackend('auto');
  }
}

/** The float32 bit patterns, so that −0 ≠ +0 and comparisons are exact. */
const bits = (values: Float32Array): Uint32Array => new Uint32Array(values.buffer, values.byteOffset, values.length);

describe('addressing', () => {
  test('the same seed and offset give the same numbers, another seed others', () => {
    for (const [kind, fill] of KINDS) {
      const a = generate(fill, 1000, 123n, 77);
      assert.deepEqual(bits(generate(fill, 1000, 123, 77)), bits(a), kind);
      assert.notDeepEqual(bits(generate(fill, 1000, 124, 77)), bits(a), kind);
    }
  });

  test('any offset and length reads the same stream', () => {
    const spans: [number, number][] = [
      [0, 1], [1, 1], [3, 5], [15, 17], [63, 130], [500, 500], [511, 2], [1000, 1999], [2047, 1], [3001, 4999],
    ];
    for (const [kind, fill] of KINDS) {
      const whole = generate(fill, 8000, 9);
      for (const [offset, length] of spans) {
        const part = generate(fill, length, 9, offset);
        assert.deepEqual(bits(part), bits(whole.subarray(offset, offset + length)), `${kind} ${offset}+${length}`);
      }
    }
  });

  test('a view into a larger array is filled in place and nothing around it changes', () => {
    for (const [kind, fill] of KINDS) {
      const params = new Float32Array(1000).fill(7);
      fill(params.subarray(100, 900), 4, 123);
      assert.deepEqual(bits(params.subarray(100, 900)), bits(generate(fill, 800, 4, 123)), kind);
      assert.ok(params.subarray(0, 100).every((v) => v === 7) && params.subarray(900).every((v) => v === 7), kind);
    }
  });

  test('streams longer than 2^32 blocks carry into the counter high word', () => {
    // Block 2^32 starts at element 2^34 (4 elements a block) or 2^39 (Rademacher: 128).
    const cases: [string, Fill, number][] = [
      ['gaussian', fillGaussian, 2 ** 34],
      ['rademacher', fillRademacher, 2 ** 39],
      ['uniform', fillUniform, 2 ** 34],
    ];
    for (const [kind, fill, boundary] of cases) {
      const across = generate(fill, 6000, 5, boundary - 3000);
      assert.deepEqual(bits(generate(fill, 3000, 5, boundary)), bits(across.subarray(3000)), kind);
      assert.deepEqual(
        bits(withBackend('scalar', () => generate(fill, 6000, 5, boundary - 3000))),
        bits(across),
        kind,
      );
      assert.notDeepEqual(bits(generate(fill, 3000, 5, 0)), bits(across.subarray(3000)), kind);
    }
  });

  test('the last safe offsets work', () => {
    const offset = Number.MAX_SAFE_INTEGER - 100;
    const tail = generate(fillGaussian, 100, 1, offset);
    assert.deepEqual(bits(generate(fillGaussian, 37, 1, offset + 50)), bits(tail.subarray(50, 87)));
    assert.deepEqual(bits(withBackend('scalar', () => generate(fillGaussian, 100, 1, offset))), bits(tail));
  });
});

describe('backends', () => {
  test('Node uses the WebAssembly SIMD kernel', () => {
    assert.equal(noiseBackend(), 'wasm-simd');
  });

  test('the WebAssembly and TypeScript backends agree bit for bit', () => {
    const cases: [number, number][] = [
      [0, 50000],
      [1, 4103],
      [13, 9999],
      [4095, 4099],
      [2 ** 32 + 5, 3333],
      [2 ** 40 + 3, 2049],
    ];
    for (const [kind, fill] of KINDS) {
      for (const [offset, length] of cases) {
        const seed = 0xfedcba9876543210n + BigInt(offset);
        const wasm = generate(fill, length, seed, offset, 0.37);
        const scalar = withBackend('scalar', () => generate(fill, length, seed, offset, 0.37));
        assert.deepEqual(bits(wasm), bits(scalar), `${kind} at ${offset}`);
      }
    }
  });

  test('a Float64Array receives the same float32 values', () => {
    for (const [kind, fill] of KINDS) {
      for (const backend of ['wasm-simd', 'scalar'] as const) {
        const wide = new Float64Array(777);
        withBackend(backend, () => fill(wide, 3, 11, 2.5));
        assert.deepEqual(Float32Array.from(wide), generate(fill, 777, 3, 11, 2.5), `${kind} on ${backend}`);
      }
    }
  });

  test('without WebAssembly the TypeScript backend is chosen, with the same numbers', () => {
    const index = new URL('../../src/rng/index.js', import.meta.url).href;
    const script = `import { fillGaussian, noiseBackend } from ${JSON.stringify(index)};
      const out = new Float32Array(100);
      fillGaussian(out, 3, 7);
      console.log(JSON.stringify({ backend: noiseBackend(), bits: [...new Uint32Array(out.buffer)] }));`;
    // --jitless leaves WebAssembly undefined, as in an interpreter-only JavaScript engine.
    const stdout = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const child = JSON.parse(stdout) as { backend: string; bits: number[] };
    assert.equal(child.backend, 'scalar');
    assert.deepEqual(child.bits, [...bits(generate(fillGaussian, 100, 3, 7))]);
  });

  test('setNoiseBackend rejects unknown names', () => {
    assert.throws(() => setNoiseBackend('gpu' as NoiseBackendName), { name: 'RangeError', message: /^name / });
    assert.equal(noiseBackend(), 'wasm-simd');
  });
});

describe('distribution', () => {
  const N = 1 << 21;
  const se = (variance: number): number => 5 * Math.sqrt(variance / N);

  test('Gaussian moments and tail fractions match N(0, 1) within 5 standard errors', () => {
    const z = generate(fillGaussian, N, 2024);
    let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    const beyond = [0, 0, 0, 0];
    for (const v of z) {
      const v2 = v * v;
      m1 += v;
      m2 += v2;
      m3 += v2 * v;
      m4 += v2 * v2;
      for (let k = 0; k < 4; k++) if (Math.abs(v) > k + 1) beyond[k]!++;
    }
    // Standard errors from the normal's moments: Var z = 1, Var z² = 2, Var z³ = 15, Var z⁴ = 96.
    assert.ok(Math.abs(m1 / N) < se(1), `mean ${m1 / N}`);
    assert.ok(Math.abs(m2 / N - 1) < se(2), `variance ${m2 / N}`);
    assert.ok(Math.abs(m3 / N) < se(15), `third moment ${m3 / N}`);
    assert.ok(Math.abs(m4 / N - 3) < se(96), `fourth moment ${m4 / N}`);
    const tails = [0.3173105078629141, 0.04550026389635842, 0.0026997960632601866, 6.334248366623996e-5];
    tails.forEach((p, k) => {
      assert.ok(Math.abs(beyond[k]! / N - p) < se(p * (1 - p)), `P(|z| > ${k + 1}) = ${beyond[k]! / N}, want ${p}`);
    });
  });

  test('scale multiplies Gaussian noise, rounded to float32', () => {
    const unit = generate(fillGaussian, 4096, 8);
    const scaled = generate(fillGaussian, 4096, 8, 0, -0.01);
    for (let i = 0; i < unit.length; i++) {
      assert.ok(Math.abs(scaled[i]! + 0.01 * unit[i]!) <= 2 ** -22 * Math.abs(0.01 * unit[i]!), `element ${i}`);
    }
  });

  test('Rademacher values are exactly ±float32(scale), balanced and independent of their neighbours', () => {
    const x = generate(fillRademacher, N, 77, 0, 0.3);
    const s = Math.fround(0.3);
    let sum = 0;
    let repeats = 0;
    let others = 0;
    for (let i = 0; i < N; i++) {
      if (x[i] !== s && x[i] !== -s) others++;
      sum += x[i]! / s;
      if (i > 0 && x[i] === x[i - 1]) repeats++;
    }
    assert.equal(others, 0);
    assert.ok(Math.abs(sum / N) < se(1), `mean ${sum / N}`);
    assert.ok(Math.abs(repeats / (N - 1) - 0.5) < se(0.25), `P(repeat) ${repeats / (N - 1)}`);
  });

  test('uniform values lie on the 2^-24 grid in [0, 1) with mean 1/2 and variance 1/12', () => {
    const u = generate(fillUniform, N, 31);
    let m1 = 0, m2 = 0, offGrid = 0;
    for (const v of u) {
      if (!(v >= 0 && v < 1 && Number.isInteger(v * 2 ** 24))) offGrid++;
      m1 += v;
      m2 += (v - 0.5) ** 2;
    }
    assert.equal(offGrid, 0);
    assert.ok(Math.abs(m1 / N - 0.5) < se(1 / 12), `mean ${m1 / N}`);
    assert.ok(Math.abs(m2 / N - 1 / 12) < se(1 / 180), `variance ${m2 / N}`);
  });

  test('streams are uncorrelated across seeds, kinds and neighbouring elements', () => {
    const n = 1 << 20;
    const gauss = generate(fillGaussian, n + 4, 1);
    const pairs: [string, ArrayLike<number>, ArrayLike<number>][] = [
      ['seeds 1 and 2', gauss, generate(fillGaussian, n, 2)],
      ['Gaussian and Rademacher', gauss, generate(fillRademacher, n, 1)],
      ['Gaussian and uniform', gauss, generate(fillUniform, n, 1).map((v) => v - 0.5)],
      ['Gaussian lag 1', gauss, gauss.subarray(1)],
      // Elements i and i + 4 share a Box–Muller radius: independent normals all the same.
      ['Gaussian lag 4', gauss, gauss.subarray(4)],
      ['squares at lag 4', gauss.map((v) => v * v - 1), gauss.subarray(4).map((v) => v * v - 1)],
    ];
    for (const [name, a, b] of pairs) {
      let ab = 0, aa = 0, bb = 0;
      for (let i = 0; i < n; i++) {
        ab += a[i]! * b[i]!;
        aa += a[i]! * a[i]!;
        bb += b[i]! * b[i]!;
      }
      const correlation = ab / Math.sqrt(aa * bb);
      assert.ok(Math.abs(correlation) < 5 / Math.sqrt(n), `${name}: correlation ${correlation}`);
    }
  });
});

describe('bad input', () => {
  const out = new Float32Array(8);

  test('seeds must be non-negative integers below 2^64, as safe numbers or bigints', () => {
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN, Infinity, -1n, 2n ** 64n]) {
      assert.throws(() => fillGaussian(out, seed), { name: 'RangeError', message: /^seed / }, String(seed));
    }
    assert.throws(() => fillUniform(out, '1' as unknown as number), { name: 'TypeError', message: /^seed / });
    fillGaussian(out, 2n ** 64n - 1n);
    fillGaussian(out, Number.MAX_SAFE_INTEGER);
  });

  test('offsets must be non-negative safe integers that keep the last element safe', () => {
    for (const offset of [-1, 0.5, 2 ** 53, Number.NaN]) {
      assert.throws(() => fillRademacher(out, 1, offset), { name: 'RangeError', message: /^offset / }, String(offset));
    }
    assert.throws(() => fillGaussian(out, 1, Number.MAX_SAFE_INTEGER - 4), {
      name: 'RangeError',
      message: /^offset \+ out\.length/,
    });
    assert.throws(() => fillGaussian(out, 1, 1n as unknown as number), { name: 'TypeError', message: /^offset / });
  });

  test('out must be a Float32Array or Float64Array, scale a finite float32', () => {
    for (const bad of [[0, 0], new Int32Array(2), new Uint8Array(2)]) {
      assert.throws(() => fillGaussian(bad as unknown as Float32Array, 1), { name: 'TypeError', message: /^out / });
    }
    for (const scale of [Number.NaN, Infinity, 1e39]) {
      assert.throws(() => fillGaussian(out, 1, 0, scale), { name: 'RangeError', message: /^scale / }, String(scale));
    }
    assert.throws(() => fillRademacher(out, 1, 0, '2' as unknown as number), { name: 'TypeError', message: /^scale / });
  });
});
