import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adam, sgd } from '../../src/optim/aliases.js';
import { applyUpdates } from '../../src/optim/transform.js';
import { everyK, masked, updateNoise } from '../../src/optim/wrappers.js';
import { serializeState } from '../../src/state/state.js';
import { assertAllClose, normals, testRandom } from '../helpers.js';

const gradients = (n: number, p: number) => Array.from({ length: n }, (_, s) => Float32Array.from(normals(p, testRandom(100 + s))));

test('masked: masked entries never move, under Adam too; the others move exactly as without the mask', () => {
  const p = 12;
  const mask = Float32Array.from({ length: p }, (_, i) => (i % 4 === 0 ? 0 : 1));
  const [plain, wrapped] = [adam(1e-2), masked(mask, adam(1e-2))];
  const theta = Float32Array.from(normals(p, testRandom(1)));
  const [a, b] = [theta.slice(), theta.slice()];
  let [sa, sb] = [plain.init(a), wrapped.init(b)];
  for (const [s, g] of gradients(20, p).entries()) {
    const ua = plain.update(Float32Array.from(g, (v, i) => v * mask[i]!), sa, a, s);
    applyUpdates(a, ua.updates);
    sa = ua.state;
    const ub = wrapped.update(g.slice(), sb, b, s);
    applyUpdates(b, ub.updates);
    sb = ub.state;
  }
  for (let i = 0; i < p; i++) if (mask[i] === 0) assert.equal(b[i], theta[i], `entry ${i} is masked`);
  assert.deepEqual(b.filter((_, i) => mask[i] === 1), a.filter((_, i) => mask[i] === 1));
});

test('everyK(k): k steps of accumulation then one inner update on their mean; zero updates in between, inner state untouched', () => {
  const p = 6;
  const k = 3;
  const wrapped = everyK(k, adam(1e-2));
  const inner = adam(1e-2);
  const theta = Float32Array.from(normals(p, testRandom(2)));
  const [a, b] = [theta.slice(), theta.slice()];
  let sa = wrapped.init(a);
  let sb = inner.init(b);
  const gs = gradients(9, p);
  for (const [s, g] of gs.entries()) {
    const before = serializeState(sa.inner);
    const u = wrapped.update(g.slice(), sa, a, s);
    sa = u.state;
    if ((s + 1) % k !== 0) {
      assert.ok(u.updates.every((v) => v === 0), `step ${s}: no movement between updates`);
      assert.deepEqual(serializeState(sa.inner), before, `step ${s}: Adam's moments do not move on accumulation steps`);
    }
    applyUpdates(a, u.updates);
    if ((s + 1) % k === 0) {
      // The hand loop: the mean of the last k gradients, one Adam step, counted per inner update.
      const mean = new Float32Array(p);
      for (let j = s + 1 - k; j <= s; j++) for (let i = 0; i < p; i++) mean[i]! += gs[j]![i]!;
      for (let i = 0; i < p; i++) mean[i] = mean[i]! / k;
      const r = inner.update(mean, sb, b, (s + 1) / k - 1);
      applyUpdates(b, r.updates);
      sb = r.state;
    }
  }
  assertAllClose(a, b, { rtol: 1e-6, atol: 1e-8, what: 'everyK vs its hand loop' });
});

test('everyK(1) is the inner transformation itself, and k must be a positive integer', () => {
  const theta = new Float32Array(4).fill(1);
  const g = Float32Array.of(1, -2, 3, -4);
  const [u1, u2] = [everyK(1, sgd(0.1)).update(g.slice(), everyK(1, sgd(0.1)).init(theta), theta, 0), sgd(0.1).update(g.slice(), sgd(0.1).init(theta), theta, 0)];
  assert.deepEqual(u1.updates, u2.updates);
  assert.throws(() => everyK(0, sgd(0.1)), /k must be an integer > 0/);
});

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
