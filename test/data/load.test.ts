import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CsvRegressionSplit } from '../../src/data/csv.js';
import { CSV_SPEC_OPTIONS, type CsvSpecOptions, DATASET_SPECS, type DatasetSpec, loadDataset, parseDatasetSpec } from '../../src/data/load.js';
import { loadMnist } from '../../src/data/mnist.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-load-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('an unknown or incomplete spec is a RangeError listing the valid forms', async () => {
  assert.deepEqual(DATASET_SPECS, ['mnist', 'fashion-mnist', 'cifar10:<dir>', 'idx:<dir>', 'csv:<file>[?<options>]', 'parity:<bits>', 'xor', 'letters7x7']);
  const forms = 'dataset spec must be one of mnist, fashion-mnist, cifar10:<dir>, idx:<dir>, csv:<file>[?<options>], parity:<bits>, xor, letters7x7';
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

function csvOptions(spec: string): CsvSpecOptions {
  const parsed = parseDatasetSpec(spec);
  assert.equal(parsed.kind, 'csv');
  return (parsed as Extract<DatasetSpec, { kind: 'csv' }>).csv;
}

test('parseDatasetSpec validates a spec without touching the file system', () => {
  assert.deepEqual(parseDatasetSpec('mnist'), { kind: 'mnist', task: 'classification' });
  assert.deepEqual(parseDatasetSpec('cifar10:/no/such/dir'), { kind: 'cifar10', task: 'classification', path: '/no/such/dir' });
  assert.deepEqual(parseDatasetSpec('idx:C:\\data'), { kind: 'idx', task: 'classification', path: 'C:\\data' });
  assert.deepEqual(parseDatasetSpec('csv:/no/such.csv'), { kind: 'csv', task: 'classification', path: '/no/such.csv', csv: {} });
  assert.deepEqual(parseDatasetSpec('csv:h.csv?task=regression&target=price,-1&delimiter=%3B&header=true&testFraction=0.25'), {
    kind: 'csv',
    task: 'regression',
    path: 'h.csv',
    csv: { task: 'regression', target: ['price', -1], delimiter: ';', header: true, testFraction: 0.25 },
  });
  assert.deepEqual(csvOptions('csv:t.csv?label=2&delimiter=%09'), { label: 2, delimiter: '\t' });
  assert.deepEqual(csvOptions('csv:t.csv?target=a%2Cb&task=regression'), { target: 'a,b', task: 'regression' }, '%2C is a comma inside a name');
  assert.deepEqual(CSV_SPEC_OPTIONS.map((o) => o.split('=')[0]), ['task', 'label', 'target', 'delimiter', 'header', 'testFraction']);
});

test('a bad CSV option in a spec is a RangeError naming the spec and listing the options', () => {
  const options = 'the CSV options are task=classification|regression, label=<column>, target=<column>[,<column>…], delimiter=<one character>, header=true|false, testFraction=<number in (0, 1)>, as csv:<file>?key=value&key=value';
  const cases: [string, string][] = [
    ['csv:a.csv?foo=1', "unknown CSV option 'foo'"],
    ['csv:a.csv?', "unknown CSV option ''"],
    ['csv:what?.csv', "unknown CSV option '.csv'"],
    ['csv:a.csv?task', "option 'task' has no value"],
    ['csv:a.csv?label=', "option 'label' has an empty value"],
    ['csv:a.csv?label=1&label=2', "option 'label' is given twice"],
    ['csv:a.csv?task=ranking', 'task must be \'classification\' or \'regression\', got "ranking"'],
    ['csv:a.csv?task=regression&label=y', "label applies to task 'classification'; regression chooses its columns with target"],
    ['csv:a.csv?target=y', "target applies to task 'regression'; classification chooses its column with label"],
    ['csv:a.csv?task=regression&target=a,,b', "target 'a,,b' has an empty column name"],
    ['csv:a.csv?header=yes', "header must be true or false, got 'yes'"],
    ['csv:a.csv?testFraction=1.5', 'testFraction must be in (0, 1), got 1.5'],
    ['csv:a.csv?testFraction=-0.1', "testFraction must be a number in (0, 1), got '-0.1'"],
    ['csv:a.csv?delimiter=%22', 'delimiter must be one character other than a quote or a line break, got "\\""'],
    ['csv:a.csv?delimiter=%E0%A4%A', "the value of 'delimiter' is not valid URI encoding"],
  ];
  for (const [spec, why] of cases) assert.throws(() => parseDatasetSpec(spec), { name: 'RangeError', message: `dataset spec '${spec}': ${why}; ${options}` }, spec);
  assert.throws(() => parseDatasetSpec(undefined as never), { name: 'TypeError', message: 'spec must be a string, got undefined' });
});

test('loadDataset refuses a bad spec, option or task before reading any file', async () => {
  const missing = join(root, 'missing.csv');
  // Each of these would otherwise fail on the missing file: the spec's error comes first.
  await assert.rejects(loadDataset(`csv:${missing}?foo=1`), { name: 'RangeError', message: /^dataset spec '.*': unknown CSV option 'foo'/ });
  await assert.rejects(loadDataset(`csv:${missing}?task=regression`), {
    name: 'RangeError',
    message: `dataset 'csv:${missing}?task=regression' is a regression dataset, but classification was asked for`,
  });
  await assert.rejects(loadDataset('mnist', { task: 'regression' }), {
    name: 'RangeError',
    message: "dataset 'mnist' is a classification dataset, but regression was asked for (a csv spec selects regression with ?task=regression)",
  });
  await assert.rejects(loadDataset(`csv:${missing}?label=y`, { csv: { label: 'z' } }), { name: 'RangeError', message: `CSV option label is given both in the spec 'csv:${missing}?label=y' and in options.csv` });
  await assert.rejects(loadDataset(`csv:${missing}?task=regression`, { task: 'regression', csv: { label: 'y' } }), { name: 'RangeError', message: /^label applies to task 'classification'/ });
  await assert.rejects(loadDataset(`csv:${missing}`), { name: 'Error', message: `cannot read CSV file ${missing}: no such file or directory` });
});

test('a csv spec with task=regression loads float32 targets', async () => {
  const file = join(root, 'line.csv');
  writeFileSync(file, 'x,noise,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${(i * 7) % 3},${2 * i + 1}`).join('\n'));
  const split = await loadDataset(`csv:${file}?task=regression&target=y`, { task: 'regression', seed: 4 });
  assert.equal(split.train.task, 'regression');
  assert.deepEqual(split.train.targetShape, []);
  assert.equal(split.train.size + split.test.size, 20);
  const { mean, std } = (split as CsvRegressionSplit).standardization;
  for (const d of [split.train, split.test]) d.targets.forEach((t, r) => assert.equal(t, 2 * Math.round(d.x[2 * r]! * std[0]! + mean[0]!) + 1));
  const any = await loadDataset(`csv:${file}?task=regression&target=y,noise`, { task: parseDatasetSpec(`csv:${file}?task=regression`).task, seed: 4 });
  assert.ok(any.train.task === 'regression' && any.train.targetShape[0] === 2);
});
