import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classCounts, createDataset, createRegressionDataset } from '../../src/data/dataset.js';
import { stratifiedSplit } from '../../src/data/split.js';

/** Classes of 5, 7 and 8 examples; the single feature is the example's index. */
const data = createDataset({
  name: 'three',
  inputShape: [1],
  classes: 3,
  x: Float32Array.from({ length: 20 }, (_, i) => i),
  y: Int32Array.from({ length: 20 }, (_, i) => (i < 5 ? 0 : i < 12 ? 1 : 2)),
});

const ids = (x: Float32Array) => Array.from(x);

test('the test split takes round(size·testFraction) examples, each class its largest-remainder share', () => {
  // Exact shares 1.25, 1.75, 2 of 5 test examples: floors 1, 1, 2, and the spare one to class 1.
  const { train, test: held } = stratifiedSplit(data, { seed: 1, testFraction: 0.25 });
  assert.deepEqual(classCounts(held), [1, 2, 2]);
  assert.deepEqual(classCounts(train), [4, 5, 6]);
  assert.equal(train.name, 'three/train');
  assert.equal(held.name, 'three/test');
  assert.deepEqual([...ids(train.x), ...ids(held.x)].sort((a, b) => a - b), ids(data.x), 'the splits partition the examples');
  train.x.forEach((id, r) => assert.equal(train.y[r], data.y[id]), 'labels travel with their rows');
  assert.deepEqual(classCounts(stratifiedSplit(data, { seed: 1 }).test), [1, 1, 2]);
});

test('the split is a function of the seed', () => {
  const a = stratifiedSplit(data, { seed: 5 });
  assert.deepEqual(stratifiedSplit(data, { seed: 5 }), a);
  const differs = [6, 7, 8].some((seed) => ids(stratifiedSplit(data, { seed }).test.x).join() !== ids(a.test.x).join());
  assert.ok(differs, 'other seeds give other test sets');
});

test('both splits come in a random order, independent of which examples were held out', () => {
  // 990 examples of class 0 and 10 of class 1, quotas 99 and 1. Listing train in the order
  // that filled the quotas would put a class-1 example first in ~25% of seeds (the class whose
  // quota fills first leads); in a fresh random order that happens with probability 9/900.
  const skewed = createDataset({
    name: 'skewed',
    inputShape: [1],
    classes: 2,
    x: Float32Array.from({ length: 1000 }, (_, i) => i),
    y: Int32Array.from({ length: 1000 }, (_, i) => (i < 10 ? 1 : 0)),
  });
  let firstIsRare = 0;
  for (let seed = 0; seed < 200; seed++) firstIsRare += stratifiedSplit(skewed, { seed, testFraction: 0.1 }).train.y[0]!;
  assert.ok(firstIsRare <= 8, `train starts with the rare class in ${firstIsRare} of 200 splits`);
  const { train } = stratifiedSplit(skewed, { seed: 0 });
  assert.notDeepEqual(ids(train.x), [...ids(train.x)].sort((a, b) => a - b));
});

test('stratifiedSplit rejects fractions outside (0, 1) and splits that would be empty', () => {
  assert.throws(() => stratifiedSplit(data, { seed: 0, testFraction: 0 }), { name: 'RangeError', message: 'testFraction must be in (0, 1), got 0' });
  assert.throws(() => stratifiedSplit(data, { seed: 0, testFraction: Number.NaN }), { name: 'RangeError' });
  assert.throws(() => stratifiedSplit(data, { seed: 0, testFraction: 0.01 }), {
    name: 'RangeError',
    message: "testFraction 0.01 of the 20 examples of 'three' leaves the test split empty",
  });
  assert.throws(() => stratifiedSplit(data, { seed: 0, testFraction: 0.99 }), { name: 'RangeError', message: /leaves the train split empty$/ });
});

test('a regression dataset splits as one stratum: a seeded uniform subset, targets travelling with their rows', () => {
  const regression = createRegressionDataset({ name: 'r', inputShape: [1], targetShape: [], x: data.x, targets: Float32Array.from({ length: 20 }, (_, i) => i / 4) });
  const { train, test: held } = stratifiedSplit(regression, { seed: 3, testFraction: 0.3 });
  assert.equal(train.task, 'regression');
  assert.equal(held.size, 6);
  assert.equal(train.size, 14);
  assert.deepEqual([...ids(train.x), ...ids(held.x)].sort((a, b) => a - b), ids(data.x));
  for (const d of [train, held]) d.x.forEach((id, r) => assert.equal(d.targets[r], id / 4));
  assert.deepEqual(stratifiedSplit(regression, { seed: 3, testFraction: 0.3 }), { train, test: held });
  assert.notDeepEqual(ids(stratifiedSplit(regression, { seed: 4, testFraction: 0.3 }).test.x), ids(held.x));
});
