import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classCounts } from '../../src/data/dataset.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../../src/data/fashion-mnist.js';

// The README's test command installs Debian's dataset-fashion-mnist, so its absence is a failure, not a skip.
test('Fashion-MNIST loads 60,000/10,000 labelled [1, 28, 28] images from the Debian package', async () => {
  const { train, test: held } = await loadFashionMnist();
  assert.equal(train.name, 'fashion-mnist/train');
  assert.equal(train.size, 60_000);
  assert.equal(held.size, 10_000);
  for (const d of [train, held]) {
    assert.deepEqual(d.inputShape, [1, 28, 28]);
    assert.deepEqual(d.classNames, FASHION_MNIST_CLASSES);
    assert.equal(d.x.length, d.size * 784);
  }
  assert.deepEqual(classCounts(train), new Array(10).fill(6000));
  assert.deepEqual(classCounts(held), new Array(10).fill(1000));
  // The published first labels: an ankle boot, then two T-shirts, a dress, ...
  assert.deepEqual(Array.from(train.y.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.deepEqual(Array.from(held.y.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  let max = 0;
  for (const v of held.x) if (v > max) max = v;
  assert.equal(max, 1);
  assert.equal(Math.min(...train.x.subarray(0, 784)), 0);
});

test('a missing Fashion-MNIST directory says where the files come from', async () => {
  const dir = join(tmpdir(), 'forwardprop-no-fashion-mnist');
  await assert.rejects(loadFashionMnist(dir), (e: Error) => {
    assert.equal(e.name, 'Error');
    assert.match(e.message, new RegExp(`^${dir}: no such directory; `));
    assert.match(e.message, /https:\/\/github\.com\/zalandoresearch\/fashion-mnist/);
    assert.match(e.message, /dataset-fashion-mnist/);
    return true;
  });
  assert.equal(FASHION_MNIST_CLASSES[0], 'T-shirt/top');
  assert.equal(FASHION_MNIST_CLASSES[9], 'Ankle boot');
});
