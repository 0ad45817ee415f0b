import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DATASET_SPECS, loadDataset } from '../../src/data/load.js';
import { loadMnist } from '../../src/data/mnist.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-load-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('an unknown or incomplete spec is a RangeError listing the valid forms', async () => {
  assert.deepEqual(DATASET_SPECS, ['mnist', 'fashion-mnist', 'cifar10:<dir>', 'idx:<dir>', 'csv:<file>[?<options>]']);
  const forms = 'dataset spec must be one of mnist, fashion-mnist, cifar10:<dir>, idx:<dir>, csv:<file>[?<options>]';
  for (const spec of ['cifar10', 'MNIST', 'mnist:', 'foo:bar', 'png:/x', '', 'mnist?x=1']) {
    await assert.rejects(loadDataset(spec), { name: 'RangeError', message: `${forms}, got '${spec}'` });
  }
  for (const spec of ['cifar10:', 'idx:', 'csv:', 'csv:?task=regression']) {
    await assert.rejects(loadDataset(spec), { name: 'RangeError', message: `${forms}, got '${spec}' (no path after the colon)` });
  }
  await assert.rejects(loadDataset(42 as never), { name: 'TypeError', message: 'spec must be a string, got number' });
});

test('mnist is the cached embedded split', async () => {
  const split = await loadDataset('mnist', { seed: 5 });
  assert.equal(split, await loadMnist());
  assert.equal(split.train.size, 8000);
});

test('csv:<file> passes the seed and the CSV options on', async () => {
  const file = join(root, 'points.csv');
  writeFileSync(file, 'y;a;b\n' + Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'odd' : 'even'};${i};${i * i}`).join('\n'));
  const split = await loadDataset(`csv:${file}`, { seed: 1, csv: { label: 'y', delimiter: ';', testFraction: 0.5 } });
  assert.equal(split.test.size, 10);
  assert.deepEqual(split.train.classNames, ['even', 'odd']);
  const order = async (seed: number) => Array.from((await loadDataset(`csv:${file}`, { seed, csv: { label: 'y', delimiter: ';' } })).test.x).join();
  assert.equal(await order(1), await order(1));
  assert.notEqual(await order(1), await order(2));
});

test('idx:<dir> and fashion-mnist reach their loaders with their options', async () => {
  const missing = join(root, 'none');
  await assert.rejects(loadDataset(`idx:${missing}`), { message: new RegExp(`^${missing}: no such directory; expected the MNIST-format files`) });
  await assert.rejects(loadDataset(`idx:${missing}`, { idx: { classes: 0 } }), { name: 'RangeError', message: 'classes must be a positive integer, got 0' });
  await assert.rejects(loadDataset('fashion-mnist', { dir: missing }), { message: new RegExp(`^${missing}: no such directory; Fashion-MNIST comes from`) });
});

test('options for another kind of dataset are refused, not ignored', async () => {
  await assert.rejects(loadDataset('mnist', { dir: '/data' }), { name: 'RangeError', message: "option dir applies to fashion-mnist only, not to 'mnist'" });
  await assert.rejects(loadDataset('idx:/data', { csv: {} }), { name: 'RangeError', message: "option csv applies to csv:<file>[?<options>] only, not to 'idx:/data'" });
  await assert.rejects(loadDataset('csv:/data.csv', { idx: { classes: 3 } }), { name: 'RangeError', message: "option idx applies to idx:<dir> only, not to 'csv:/data.csv'" });
});
