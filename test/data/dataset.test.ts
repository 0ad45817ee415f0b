import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classCounts, createDataset, createRegressionDataset, describe, exampleSize, subset } from '../../src/data/dataset.js';

/** Three 2×2 examples whose features encode (example, feature) as 10·example + feature. */
function tiny() {
  return createDataset({
    name: 'tiny',
    inputShape: [2, 2],
    classes: 3,
    classNames: ['a', 'b', 'c'],
    x: Float32Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)),
    y: Int32Array.from([2, 0, 2]),
  });
}

test('createDataset derives size, copies the shape and freezes the result', () => {
  const shape = [2, 2];
  const d = createDataset({ name: 'd', inputShape: shape, classes: 2, x: new Float32Array(8), y: Int32Array.from([0, 1]) });
  assert.equal(d.size, 2);
  assert.equal(d.classNames, undefined);
  assert.ok(!('classNames' in d));
  shape[0] = 5;
  assert.deepEqual(d.inputShape, [2, 2]);
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.inputShape));
  assert.equal(exampleSize([1, 28, 28]), 784);
});

test('createDataset rejects inconsistent arrays, shapes, classes and labels', () => {
  const ok = { name: 'd', inputShape: [3], classes: 2, x: new Float32Array(6), y: Int32Array.from([0, 1]) };
  assert.throws(() => createDataset({ ...ok, x: new Float32Array(5) }), { name: 'RangeError', message: "x of 'd' has 5 values, expected 2 examples × 3 = 6" });
  assert.throws(() => createDataset({ ...ok, y: Int32Array.from([0, 2]) }), { name: 'RangeError', message: "y[1] of 'd' is 2, outside [0, 2)" });
  assert.throws(() => createDataset({ ...ok, y: Int32Array.from([-1, 0]) }), { name: 'RangeError', message: /^y\[0\] of 'd' is -1/ });
  assert.throws(() => createDataset({ ...ok, inputShape: [0] }), { name: 'RangeError', message: /^inputShape of 'd'/ });
  assert.throws(() => createDataset({ ...ok, inputShape: [] }), { name: 'RangeError', message: /^inputShape of 'd'/ });
  assert.throws(() => createDataset({ ...ok, classes: 0 }), { name: 'RangeError', message: /^classes of 'd'/ });
  assert.throws(() => createDataset({ ...ok, classNames: ['a'] }), { name: 'RangeError', message: "classNames of 'd' has 1 names for 2 classes" });
  assert.throws(() => createDataset({ ...ok, x: new Float64Array(6) as unknown as Float32Array }), { name: 'TypeError', message: /^x of 'd'/ });
  assert.throws(() => createDataset({ ...ok, y: [0, 1] as unknown as Int32Array }), { name: 'TypeError', message: /^y of 'd'/ });
});

test('subset copies the chosen rows in the given order, repeats included', () => {
  const d = tiny();
  const s = subset(d, [2, 0, 2], 'picked');
  assert.equal(s.name, 'picked');
  assert.deepEqual(Array.from(s.x), [20, 21, 22, 23, 0, 1, 2, 3, 20, 21, 22, 23]);
  assert.deepEqual(Array.from(s.y), [2, 2, 2]);
  assert.deepEqual(s.classNames, ['a', 'b', 'c']);
  s.x[0] = -1;
  assert.equal(d.x[8], 20, 'a subset must not share storage with its source');
  assert.equal(subset(d, []).size, 0);
  assert.throws(() => subset(d, [0, 3]), { name: 'RangeError', message: "indices[1] is 3, not an example index of 'tiny' (size 3)" });
  assert.throws(() => subset(d, [0.5]), { name: 'RangeError' });
});

test('classCounts and describe summarise a dataset', () => {
  const d = tiny();
  assert.deepEqual(classCounts(d), [1, 0, 2]);
  assert.equal(describe(d), 'tiny: 3 examples of [2,2], x in [0, 23], mean 11.5; 3 classes (a: 1, b: 0, c: 2)');
  const plain = createDataset({ name: 'p', inputShape: [1], classes: 2, x: Float32Array.from([0.5, 1 / 3]), y: Int32Array.from([1, 1]) });
  assert.equal(describe(plain), 'p: 2 examples of [1], x in [0.3333, 0.5], mean 0.4167; 2 classes (0: 0, 1: 2)');
});

/** Four examples of [2] features 10·i + f with targets [k]: 100·i + t. */
function houses(k: number | undefined) {
  const perExample = k ?? 1;
  return createRegressionDataset({
    name: 'houses',
    inputShape: [2],
    targetShape: k === undefined ? [] : [k],
    x: Float32Array.from({ length: 8 }, (_, j) => 10 * Math.floor(j / 2) + (j % 2)),
    targets: Float32Array.from({ length: 4 * perExample }, (_, j) => 100 * Math.floor(j / perExample) + (j % perExample) + 0.5),
  });
}

test('createRegressionDataset derives size from the targets of shape [] or [k], and subset copies target rows', () => {
  const scalar = houses(undefined);
  assert.equal(scalar.task, 'regression');
  assert.equal(scalar.size, 4);
  assert.deepEqual(scalar.targetShape, []);
  assert.ok(Object.isFrozen(scalar) && Object.isFrozen(scalar.targetShape));
  const pair = houses(2);
  assert.equal(pair.size, 4);
  const picked = subset(pair, [3, 1], 'picked');
  assert.equal(picked.task, 'regression');
  assert.deepEqual(Array.from(picked.targets), [300.5, 301.5, 100.5, 101.5]);
  assert.deepEqual(Array.from(picked.x), [30, 31, 10, 11]);
  assert.deepEqual(picked.targetShape, [2]);
  assert.equal(describe(scalar), 'houses: 4 examples of [2], x in [0, 31], mean 15.5; targets of [], targets in [0.5, 300.5], mean 150.5');
});

test('createRegressionDataset rejects shapes that disagree and targets that are not finite', () => {
  const ok = { name: 'r', inputShape: [2], targetShape: [] as number[], x: new Float32Array(4), targets: new Float32Array(2) };
  assert.throws(() => createRegressionDataset({ ...ok, targetShape: [2, 1] }), { name: 'RangeError', message: "targetShape of 'r' must be [] or [k] with k a positive integer, got [2,1]" });
  assert.throws(() => createRegressionDataset({ ...ok, targetShape: [0] }), { name: 'RangeError' });
  assert.throws(() => createRegressionDataset({ ...ok, targets: new Float32Array(3) }), { name: 'RangeError', message: "x of 'r' has 4 values, expected 3 examples × 2 = 6" });
  assert.throws(() => createRegressionDataset({ ...ok, targetShape: [2], targets: new Float32Array(3) }), { name: 'RangeError', message: "targets of 'r' has 3 values, not a multiple of 2 per example" });
  assert.throws(() => createRegressionDataset({ ...ok, targets: Float32Array.of(1, Number.NaN) }), { name: 'RangeError', message: "targets[1] of 'r' is NaN; targets must be finite" });
  assert.throws(() => createRegressionDataset({ ...ok, targets: Float32Array.of(Infinity, 1) }), { name: 'RangeError', message: "targets[0] of 'r' is Infinity; targets must be finite" });
  assert.throws(() => createRegressionDataset({ ...ok, targets: Int32Array.of(1, 2) as never }), { name: 'TypeError', message: "targets of 'r' must be a Float32Array" });
  assert.throws(() => createRegressionDataset({ ...ok, targetNames: ['a', 'b'] }), { name: 'RangeError', message: "targetNames of 'r' has 2 names for 1 target values" });
});
