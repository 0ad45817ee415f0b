import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { emptySpaceSearch } from '../../src/explore/empty-space.js';
import { BlackBoxLossOracle } from '../../src/objectives/black-box.js';
import { exploreHook, parseExploreSpec } from '../../src/train/hooks/explore.js';

const d = 6;
const b = 3;
const batch = { x: HostTensor.zeros('float32', [b, 1]), y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i))) };

/** ½‖θ − t − e·0.1‖² for example e: its mean over the batch, in float64. */
function loss(theta: ArrayLike<number>, target: readonly number[]): number {
  let s = 0;
  for (let e = 0; e < b; e++) for (let j = 0; j < d; j++) s += 0.5 * (theta[j]! - target[j]! - 0.1 * e) ** 2;
  return s / b;
}

function oracle(target: readonly number[]) {
  return new BlackBoxLossOracle(d, async ({ params, examples }) => Float32Array.from(examples, (e, q) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += 0.5 * (params[q * d + j]! - target[j]! - 0.1 * e) ** 2;
    return s;
  }));
}

describe('exploration around updates', () => {
  test('never accepts a worse candidate: θ moves only to the best candidate, and only when it beats θ', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 3, maxLength: 5 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }), async (iterates, target) => {
        const k = iterates.length;
        const search = { step: 0.3 };
        const hook = exploreHook({ oracle: oracle(target), batch, every: k, anchors: k, search });
        let state = hook.init(new Float32Array(d));
        let result;
        for (let s = 0; s < k; s++) {
          result = await hook.afterUpdate!(state, { params: Float32Array.from(iterates[s]!), batch, step: s });
          state = result.state;
          if (s < k - 1) assert.equal(result.queries, 0);
        }
        const theta = Float32Array.from(iterates[k - 1]!);
        const candidates = emptySpaceSearch(iterates.map((p) => Float32Array.from(p)), iterates.map((_, i) => i), search);
        assert.equal(result!.queries, (candidates.length + 1) * b, 'every query counted: θ and each candidate on the batch');
        assert.equal(state.explorations, 1);
        const best = Math.min(...candidates.map((c) => loss(c, target)));
        if (result!.params) {
          assert.equal(state.accepted, 1);
          assert.ok(loss(result!.params, target) < loss(theta, target) + 1e-5, 'accepted a worse point');
          assert.ok(Math.abs(loss(result!.params, target) - best) < 1e-4);
        } else {
          assert.equal(state.accepted, 0);
          assert.ok(best >= loss(theta, target) - 1e-4, 'refused a better candidate');
        }
      }),
      { numRuns: 25 },
    );
  });

  test('at the optimum nothing is accepted; with no candidates yet it is a no-op', async () => {
    const target = [0, 0, 0, 0, 0, 0];
    const hook = exploreHook({ oracle: oracle(target), batch, every: 1, anchors: 4 });
    const first = await hook.afterUpdate!(hook.init(new Float32Array(d)), { params: Float32Array.of(1, 1, 1, 1, 1, 1), batch, step: 0 });
    assert.deepEqual([first.queries, first.params, first.state.explorations], [0, undefined, 0], 'one iterate: no search, no query');
    const optimum = Float32Array.of(0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
    const second = await hook.afterUpdate!(first.state, { params: optimum, batch, step: 1 });
    assert.equal(second.params, undefined);
    assert.equal(second.queries, (2 * 4 + 1) * b);
    assert.deepEqual([second.state.explorations, second.state.accepted], [1, 0]);
  });

  test('--explore specs', () => {
    assert.deepEqual(parseExploreSpec('every=10,anchors=5'), { every: 10, anchors: 5, search: {} });
    assert.deepEqual(parseExploreSpec('every=2, anchors=3, step=0.01, keep=30'), { every: 2, anchors: 3, search: { step: 0.01, keepEvery: 30 } });
    assert.throws(() => parseExploreSpec('every=10'), /anchors must be an integer ≥ 2 \(required\)/);
    assert.throws(() => parseExploreSpec('every=10,anchors=1'), /anchors must be an integer ≥ 2, got 1/);
    assert.throws(() => parseExploreSpec('every=10,anchors=5,speed=3'), /'speed=3' is not key=value with a key among every, anchors, moves/);
    assert.throws(() => parseExploreSpec('every=10,anchors=5,momentum=1'), /momentum must lie in \[0, 1\)/);
  });
});
