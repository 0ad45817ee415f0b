import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adam, sgd } from '../../src/optim/aliases.js';
import { applyUpdates } from '../../src/optim/transform.js';
import { everyK, masked } from '../../src/optim/wrappers.js';
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
