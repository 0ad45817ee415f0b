import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { input } from '../../src/engine/ir/tensor.js';
import { matmul, mul, stopGradient, sum } from '../../src/engine/ops/index.js';
import { interpret } from '../../src/engine/reference/interpret.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { jvp } from '../../src/engine/transforms/jvp.js';
import { grad, vjp } from '../../src/engine/transforms/vjp.js';
import { assertAllClose, dot, normals, testRandom, toNumbers } from '../helpers.js';
import { mlp } from './models.js';

describe('transforms', () => {
  test('stopGradient blocks both modes; a seed at an inner node adds to its incoming tangent', () => {
    const x = input('x', 'float64', [3]);
    const w = input('w', 'float64', [3]);
    const hidden = mul(x, w);
    const y = sum(mul(stopGradient(hidden), x));
    const dw = input('dw', 'float64', [3]);
    const [dy] = jvp([y], new Map([[w, dw]]));
    const [gw, gx] = grad(y, [w, x]);
    const feeds = { x: new Float64Array([1, 2, 3]), w: new Float64Array([4, 5, 6]), dw: new Float64Array([1, 1, 1]) };
    const [dyValue, gwValue, gxValue] = interpret({ inputs: [x, w, dw], outputs: [dy!, gw!, gx!] }, feeds);
    assert.deepEqual(toNumbers(dyValue!.data), [0]);
    assert.deepEqual(toNumbers(gwValue!.data), [0, 0, 0]);
    assert.deepEqual(toNumbers(gxValue!.data), [4, 10, 18], 'x still gets the gradient of its unblocked use');

    // d/dε of sum(2·(x⊙(w + ε dw) + ε u)) = 2·(<x, dw> + sum(u)) = 2·(6 + 0.5)
    const u = input('u', 'float64', [3]);
    const [dySeeded] = jvp([sum(mul(hidden, 2))], new Map([[w, dw], [hidden, u]]));
    const [seeded] = interpret({ inputs: [x, w, dw, u], outputs: [dySeeded!] }, { ...feeds, u: new Float64Array([1, 0.5, -1]) });
    assert.deepEqual(toNumbers(seeded!.data), [13]);
  });

  test('vjp substitutes: feedback weights replace W only in the backward pass', () => {
    const x = input('x', 'float64', [2, 3]);
    const w = input('w', 'float64', [3, 4]);
    const v = input('v', 'float64', [4, 1]);
    const feedback = input('feedback', 'float64', [3, 4]);
    const out = matmul(matmul(x, w), v);
    const ct = input('ct', 'float64', [2, 1]);
    const [gx, gw] = vjp([out], [ct], [x, w], { substitutes: new Map([[w, feedback]]) });
    const random = testRandom(3);
    const feeds = {
      x: normals(6, random), w: normals(12, random), v: normals(4, random), feedback: normals(12, random), ct: normals(2, random),
    };
    const [gxValue, gwValue] = interpret({ inputs: [x, w, v, feedback, ct], outputs: [gx!, gw!] }, feeds);
    // gx = ct vᵀ Bᵀ (B replaces W); gw = xᵀ ct vᵀ (unchanged: x is not substituted).
    const ctv = [0, 1].map((i) => [0, 1, 2, 3].map((j) => feeds.ct[i]! * feeds.v[j]!));
    const expectGx = [0, 1].flatMap((i) => [0, 1, 2].map((r) => dot(ctv[i]!, [0, 1, 2, 3].map((j) => feeds.feedback[r * 4 + j]!))));
    const expectGw = [0, 1, 2].flatMap((r) => [0, 1, 2, 3].map((j) => feeds.x[r]! * ctv[0]![j]! + feeds.x[3 + r]! * ctv[1]![j]!));
    assertAllClose(gxValue!.data, expectGx, { rtol: 1e-12 });
    assertAllClose(gwValue!.data, expectGw, { rtol: 1e-12 });
  });

  test('a leading perturbation axis K evaluates K weight copies in one run', async () => {
    const k = 3;
    const stacked = mlp([6, 5, 4], 'float32', { k, seed: 11 });
    const single = mlp([6, 5, 4], 'float32', { seed: 12 });
    const x = new HostTensor('float32', [8, 6], Float32Array.from(normals(48, testRandom(5))));
    const all = (await (await compile({ inputs: [stacked.x, ...stacked.params], outputs: [stacked.out] })).run({ x, ...stacked.values }))[0]!;
    assert.deepEqual(all.shape, [k, 8, 4]);
    const one = await compile({ inputs: [single.x, ...single.params], outputs: [single.out] });
    for (let c = 0; c < k; c++) {
      const slice = Object.fromEntries(Object.entries(stacked.values).map(([name, t]) => {
        const size = t.size / k;
        return [name, new HostTensor('float32', t.shape.slice(1), (t.data as Float32Array).slice(c * size, (c + 1) * size))];
      }));
      const [y] = await one.run({ x, ...slice });
      assertAllClose(all.data.subarray(c * 32, (c + 1) * 32) as Float32Array, y!.data, { rtol: 1e-5, atol: 1e-6, what: `copy ${c}` });
    }
  });
});
