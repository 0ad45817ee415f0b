import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mlp, modelFromSpec } from '../../src/nn/factories.js';
import { assertAllClose } from '../helpers.js';
import { cosine, distance, estimateOnce, make, randomBatch } from './fixtures.js';

/** Two blocks, a 2×2 patch grid and two channel groups: every local-loss path in a few hundred parameters. */
const model = modelFromSpec('localmixer:blocks=2,patches=2,channels=8,groups=2', [1, 4, 4], 3);
const batch = randomBatch(6, [1, 4, 4], 3);
const theta = model.init(3);

async function gradient(method: string, params = theta, step = 0): Promise<Float32Array> {
  return (await estimateOnce(make(method, model, {}, 2), { params, batch, step })).grad!;
}

function part(g: Float32Array, prefix: string): Float32Array {
  const entries = model.layout.entries.filter((e) => e.name.startsWith(prefix));
  return Float32Array.from(entries.flatMap((e) => Array.from(g.subarray(e.offset, e.offset + e.size))));
}

describe('local losses on a tiny LocalMixer', () => {
  const cases = [
    ['lg-fg-a', {}, 8, 256],
    ['lg-fg-a', { variant: 'block' }, 16, 256],
    ['lg-fg-w', {}, 32, 160],
  ] as const;
  for (const [method, options, directions, calls] of cases) {
    test(`${method} ${JSON.stringify(options)} is unbiased for the local objective: its mean approaches lg-bp's gradient at the 1/√n rate`, async () => {
      const exact = await gradient('lg-bp');
      const estimator = make(method, model, { ...options, directions });
      const sixteenth = new Float64Array(theta.length);
      const all = new Float64Array(theta.length);
      for (let s = 0; s < calls; s++) {
        const grad = (await estimateOnce(estimator, { params: theta, batch, step: s })).grad!;
        for (let i = 0; i < all.length; i++) {
          all[i]! += grad[i]! / calls;
          if (s < calls / 16) sixteenth[i]! += grad[i]! / (calls / 16);
        }
      }
      assert.ok(cosine(all, exact) > 0.99, `cosine ${cosine(all, exact)}`);
      // 16 times the samples should divide the error by 4; these estimates are heavy-tailed, so allow a factor 2 either way.
      const ratio = distance(sixteenth, exact) / distance(all, exact);
      assert.ok(ratio > 2 && ratio < 8, `error ratio ${ratio} for 16× the samples`);
    });
  }

  test('patch and group splits give backprop the same gradient; heads and readout get exact gradients in every local method', async () => {
    assertAllClose(await gradient('l-bp'), await gradient('lg-bp'), { rtol: 1e-5, atol: 1e-7 });
    assertAllClose(await gradient('l-fa'), await gradient('lg-fa'), { rtol: 1e-5, atol: 1e-7 });
    const exact = part(await gradient('lg-bp'), 'heads.');
    for (const method of ['l-fa', 'lg-fg-w', 'lg-fg-a']) assertAllClose(part(await gradient(method), 'heads.'), exact, { rtol: 1e-5, atol: 1e-7, what: method });
  });

  test("stop-gradients: a block's parameters get no signal from later blocks under local methods, but do under bp", async () => {
    const changed = theta.slice();
    for (const e of model.layout.entries) {
      if (!e.name.startsWith('blocks.1.') && !e.name.startsWith('heads.1.') && !e.name.startsWith('readout.')) continue;
      for (let i = e.offset; i < e.offset + e.size; i++) changed[i] = changed[i]! * -1.5 + 0.1 * Math.sin(i);
    }
    for (const method of ['lg-bp', 'l-fa', 'lg-fg-a', 'lg-fg-w']) {
      const [before, after] = [part(await gradient(method), 'blocks.0.'), part(await gradient(method, changed), 'blocks.0.')];
      assertAllClose(after, before, { rtol: 1e-5, atol: 1e-7, what: `${method}: block 0` });
    }
    assert.ok(distance(part(await gradient('bp'), 'blocks.0.'), part(await gradient('bp', changed), 'blocks.0.')) > 1e-3, 'bp sends later layers\' signal back');
  });

  test('feedback alignment keeps the readout exact and bends the rest', async () => {
    const [bp, fa, dfa] = [await gradient('bp'), await gradient('fa'), await gradient('dfa')];
    for (const g of [fa, dfa]) assertAllClose(part(g, 'readout.'), part(bp, 'readout.'), { rtol: 1e-5, atol: 1e-7 });
    assert.ok(distance(part(fa, 'blocks.'), part(bp, 'blocks.')) > 1e-3);
    assert.ok(distance(part(dfa, 'blocks.'), part(bp, 'blocks.')) > 1e-3);
  });

  test('local methods refuse a model without local heads', () => {
    assert.throws(() => make('lg-fg-a', mlp([16, 4, 3])), /method lg-fg-a needs a model built of blocks with local heads \(a localmixer\), not 'mlp:16-4-3'/);
  });
});
