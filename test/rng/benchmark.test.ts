import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchmarkNoise, noiseBackend } from '../../src/rng/index.js';

test('benchmarkNoise reports consistent throughput for each backend and restores the active one', () => {
  for (const backend of ['wasm-simd', 'scalar'] as const) {
    const result = benchmarkNoise({ elements: 1000, minTimeMs: 1, backend });
    assert.equal(result.backend, backend);
    assert.equal(result.elements, 1000);
    for (const kind of ['gaussian', 'rademacher', 'uniform'] as const) {
      const ms = result[`${kind}Ms`];
      assert.ok(ms > 0 && Number.isFinite(ms), `${kind} ${ms} ms`);
      assert.ok(Math.abs(result[`${kind}PerSecond`] - (1000 / ms) * 1000) < 1e-6 * result[`${kind}PerSecond`]);
    }
  }
  assert.equal(noiseBackend(), 'wasm-simd');
});

test('benchmarkNoise validates its options', () => {
  assert.throws(() => benchmarkNoise({ elements: 0 }), { name: 'RangeError', message: /^elements / });
  assert.throws(() => benchmarkNoise({ minTimeMs: Number.NaN }), { name: 'RangeError', message: /^minTimeMs / });
});
