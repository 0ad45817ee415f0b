import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sgd } from '../../src/optim/aliases.js';
import { updateNoise } from '../../src/optim/wrappers.js';

test('updateNoise adds σ·N(0, 1) per parameter, the same on replay, nothing at σ = 0', () => {
  const inner = sgd(0.5);
  assert.equal(updateNoise(0, 1, inner), inner, 'σ = 0 is the inner transformation itself');
  const noisy = updateNoise(0.1, 7, inner);
  const params = new Float32Array(20_000);
  const gradient = () => new Float32Array(params.length).fill(2);
  const noise = (step: number, seed = 7) => {
    const t = updateNoise(0.1, seed, inner);
    return Float64Array.from(t.update(gradient(), t.init(params), params, step).updates, (u) => u + 1);
  };
  const first = noise(0);
  const mean = first.reduce((s, v) => s + v, 0) / first.length;
  const sd = Math.sqrt(first.reduce((s, v) => s + (v - mean) ** 2, 0) / first.length);
  assert.ok(Math.abs(mean) < 0.003 && Math.abs(sd - 0.1) < 0.003, `the noise has mean ${mean}, sd ${sd}`);
  assert.deepEqual(noise(0), first, 'replayed');
  assert.notDeepEqual(noise(1), first, 'a new draw per update');
  assert.notDeepEqual(noise(0, 8), first, 'and per seed');
  assert.equal(noisy.update(gradient(), noisy.init(params), params, 0).updates.length, params.length);
  assert.throws(() => updateNoise(-1, 0, inner), /sigma must be a finite number ≥ 0, got -1/);
});
