import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { roundAllocation } from '../../src/allocators/allocator.js';
import { NeymanAllocator } from '../../src/allocators/neyman.js';
import { createAllocator } from '../../src/allocators/registry.js';
import { SoftmaxAllocator } from '../../src/allocators/softmax.js';
import { initStats } from '../../src/allocators/running-stats.js';
import { UniformAllocator } from '../../src/allocators/uniform.js';
import { normals, testRandom } from '../helpers.js';

describe('allocation', () => {
  test('property: exact budget, the minimum, and more queries to larger σ̂ (random inputs)', () => {
    const random = testRandom(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 40);
      const unit = random() < 0.3 ? 2 : 1;
      const minimum = unit * (1 + Math.floor(random() * 3));
      const budget = unit * (Math.ceil(minimum / unit) * n + Math.floor(random() * 200));
      const sigma = Float64Array.from({ length: n }, () => (random() < 0.1 ? 0 : random() ** 3 * 10));
      const q = roundAllocation(sigma, budget, minimum, unit);
      assert.equal(q.reduce((a, b) => a + b, 0), budget, 'spends exactly the budget');
      assert.ok(q.every((v) => v >= minimum && v % unit === 0), 'respects the minimum and the unit');
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) if (sigma[i]! > sigma[j]!) assert.ok(q[i]! >= q[j]!, `σ ${sigma[i]} > ${sigma[j]} but ${q[i]} < ${q[j]} queries`);
      }
    }
  });

  test('uniform spreads evenly; a budget below the minimum is refused', () => {
    assert.deepEqual([...new UniformAllocator().allocate({}, { examples: Int32Array.of(5, 6, 7), budget: 11, minimum: 1 })], [4, 4, 3]);
    assert.throws(() => roundAllocation([1, 1], 3, 2), /a budget of 3 queries cannot give 2 examples at least 2 each \(needs 4\)/);
    assert.throws(() => roundAllocation([1, 1], 5, 2, 2), /budget must be a whole number of 2-query units/);
    assert.throws(() => createAllocator('oracle'), /unknown allocator 'oracle'; allocators: uniform, neyman, softmax, flops/);
  });

  test('neyman reaches the theoretical variance (Σσ)²/(B²N) on a batch with known variances, below uniform', () => {
    const random = testRandom(5);
    const b = 16;
    const budget = 16 * 20;
    const sigma = Float64Array.from({ length: b }, (_, i) => (i < 4 ? 8 : 1) * (0.5 + random()));
    const examples = Int32Array.from({ length: b }, (_, i) => i);
    const truth = Float64Array.from({ length: b }, () => normals(1, random)[0]!);
    const trials = 4000;
    const variance = (queries: Int32Array) => {
      let mse = 0;
      for (let t = 0; t < trials; t++) {
        let estimate = 0;
        for (let i = 0; i < b; i++) {
          let mean = 0;
          for (const z of normals(queries[i]!, random)) mean += truth[i]! + sigma[i]! * z;
          estimate += mean / queries[i]! / b;
        }
        mse += (estimate - truth.reduce((a, v) => a + v, 0) / b) ** 2 / trials;
      }
      return mse;
    };
    const neyman = variance(new NeymanAllocator(() => sigma).allocate(initStats(examples.length), { examples, budget, minimum: 1 }));
    const uniform = variance(new UniformAllocator().allocate({}, { examples, budget, minimum: 1 }));
    const theory = sigma.reduce((a, s) => a + s, 0) ** 2 / (b * b * budget);
    const theoryUniform = sigma.reduce((a, s) => a + s * s, 0) / (b * budget);
    // 4000 trials: a variance estimate within about ±5% (2.5 standard errors); rounding adds a little.
    assert.ok(Math.abs(neyman / theory - 1) < 0.1, `neyman ${neyman} vs theory ${theory}`);
    assert.ok(Math.abs(uniform / theoryUniform - 1) < 0.1, `uniform ${uniform} vs theory ${theoryUniform}`);
    assert.ok(neyman < 0.8 * uniform, `neyman ${neyman} should beat uniform ${uniform}`);
  });

  test('neyman and softmax learn per-example noise from feedback; softmax moves towards Neyman', () => {
    const examples = Int32Array.from({ length: 8 }, (_, i) => i);
    const variance = Float32Array.from(examples, (i) => (i < 2 ? 100 : 1));
    const loss = new Float32Array(8).fill(1);
    const feedback = { examples, queries: new Int32Array(8).fill(4), variance, loss };
    const neyman = new NeymanAllocator();
    const start = neyman.init(8);
    const seen = neyman.observe(start, feedback);
    // σ̂ = 10, 10, 1, …: the 56 queries beyond the minimum split 21.5, 21.5, 2.2, … and round by largest remainder.
    assert.deepEqual([...neyman.allocate(seen, { examples, budget: 64, minimum: 1 })], [23, 23, 3, 3, 3, 3, 3, 3]);
    assert.deepEqual([...neyman.allocate(start, { examples, budget: 64, minimum: 1 })], [8, 8, 8, 8, 8, 8, 8, 8], 'observe returns a new state and leaves the old one as it was');
    const softmax = new SoftmaxAllocator(0.2);
    let state = softmax.init(8);
    const before = softmax.allocate(state, { examples, budget: 64, minimum: 1 });
    for (let step = 0; step < 20; step++) state = softmax.observe(state, feedback);
    const after = softmax.allocate(state, { examples, budget: 64, minimum: 1 });
    assert.deepEqual([...before], [8, 8, 8, 8, 8, 8, 8, 8], 'starts uniform');
    assert.ok(after[0]! > 12 && after[2]! < 8, `learned ${after}`);
    assert.ok(state.theta[0]! > 0.5, `a = ${state.theta[0]}`);
  });
});
