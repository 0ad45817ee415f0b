import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCsv, parseCsv } from '../../src/data/csv.js';
import { classCounts, createDataset } from '../../src/data/dataset.js';
import { stratifiedSplit } from '../../src/data/split.js';
import { assertAllClose, testRandom } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-csv-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(root, name);
  writeFileSync(file, text);
  return file;
}

/** 10 rows per species; features are distinct per row, petal_width grows with the class. */
function iris(): string {
  const species = ['virginica', 'setosa', 'versicolor'];
  const rows = Array.from({ length: 30 }, (_, i) => `${(4 + i / 10).toFixed(1)},${i % 7},${(i % 3) + i / 100},${species[i % 3]}`);
  return ['sepal_length,sepal_width,petal_width,species', ...rows].join('\n');
}

test('a header is detected, string labels become sorted classes, and 20% is held out per class', async () => {
  const file = write('iris.csv', `${iris()}\n`);
  const split = await loadCsv(file);
  assert.equal(split.train.name, 'iris/train');
  assert.equal(split.train.size, 24);
  assert.equal(split.test.size, 6);
  assert.deepEqual(split.train.inputShape, [3]);
  assert.deepEqual(split.train.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(classCounts(split.test), [2, 2, 2]);
  assert.deepEqual(split.featureNames, ['sepal_length', 'sepal_width', 'petal_width']);
  // petal_width's fraction is i/100 plus (i mod 3), and i mod 3 picks the species: 0 virginica, 1 setosa, 2 versicolor.
  const { mean, std } = split.standardization;
  for (const d of [split.train, split.test]) {
    d.y.forEach((label, r) => {
      const raw = d.x[3 * r + 2]! * std[2]! + mean[2]!;
      assert.equal(Math.floor(raw + 1e-4), [1, 2, 0][label]);
    });
  }
});

test('without a header every row is data; integer labels sort numerically and merge 1 with 1.0', () => {
  const text = ['0.5,1,10', '1.5,2,2', '2.5,3,1.0', '3.5,4,10', '4.5,5,2', '5.5,6,1', '6.5,7,10', '7.5,8,2', '8.5,9,1', '9.5,10,10'].join('\r\n');
  const split = parseCsv(text, 'numbers.csv');
  assert.equal(split.train.size + split.test.size, 10);
  assert.deepEqual(split.train.classNames, ['1', '2', '10']);
  assert.deepEqual(split.featureNames, ['column 1', 'column 2']);
  for (const d of [split.train, split.test]) {
    d.y.forEach((label, r) => {
      const first = Math.round(d.x[2 * r]! * split.standardization.std[0]! + split.standardization.mean[0]! - 0.5);
      assert.equal(label, [2, 1, 0][first % 3]);
    });
  }
  const forced = parseCsv(text, 'numbers.csv', { header: true });
  assert.equal(forced.train.size + forced.test.size, 9);
  assert.deepEqual(forced.featureNames, ['0.5', '1']);
});

test('features are standardised with the train split’s mean and std, never the test split’s', () => {
  const random = testRandom(11);
  const rows = Array.from({ length: 50 }, (_, i) => [100 * random(), 5, -3 + random() ** 3 * 40, i % 2]);
  const text = ['a,b,c,label', ...rows.map((r) => r.join(','))].join('\n');
  const split = parseCsv(text, 'table.csv', { seed: 9, testFraction: 0.3 });
  // The same split of the raw features, by the same seed.
  const raw = createDataset({ name: 'raw', inputShape: [3], classes: 2, x: Float32Array.from(rows.flatMap((r) => r.slice(0, 3))), y: Int32Array.from(rows, (r) => r[3]!) });
  const { train, test: held } = stratifiedSplit(raw, { seed: 9, testFraction: 0.3 });
  assert.deepEqual(split.test.y, held.y);
  const mean = [0, 1, 2].map((f) => train.x.filter((_, i) => i % 3 === f).reduce((a, v) => a + v, 0) / train.size);
  const std = [0, 1, 2].map((f) => Math.sqrt(train.x.filter((_, i) => i % 3 === f).reduce((a, v) => a + (v - mean[f]!) ** 2, 0) / train.size));
  assertAllClose(split.standardization.mean, mean, { rtol: 1e-12, what: 'mean' });
  assertAllClose(split.standardization.std, [std[0]!, 1, std[2]!], { rtol: 1e-12, what: 'std (1 for the constant column)' });
  const expected = (x: Float32Array) => Array.from(x, (v, i) => (v - mean[i % 3]!) / (std[i % 3]! || 1));
  assertAllClose(split.train.x, expected(train.x), { rtol: 1e-6, atol: 1e-6, what: 'train x' });
  assertAllClose(split.test.x, expected(held.x), { rtol: 1e-6, atol: 1e-6, what: 'test x' });
  const allMean = rows.reduce((a, r) => a + r[2]!, 0) / rows.length;
  assert.ok(Math.abs(allMean - mean[2]!) > 0.1, 'the fixture must tell train statistics from whole-table ones');
});

test('the label column may be chosen by name or index, and the split by seed and fraction', () => {
  const text = 'kind,x,y\ncat,1,2\ndog,2,3\ncat,3,4\ndog,4,5\ncat,5,6\ndog,6,7\n';
  const byName = parseCsv(text, 'pets.csv', { label: 'kind' });
  assert.deepEqual(byName.train.classNames, ['cat', 'dog']);
  assert.deepEqual(byName.featureNames, ['x', 'y']);
  assert.deepEqual(parseCsv(text, 'pets.csv', { label: 0 }), byName);
  assert.deepEqual(parseCsv(text, 'pets.csv', { label: -3 }), byName);
  const seeded = (seed: number) => Array.from(parseCsv(text, 'pets.csv', { label: 'kind', seed, testFraction: 0.5 }).test.x).join();
  assert.equal(parseCsv(text, 'pets.csv', { label: 'kind', testFraction: 0.5 }).test.size, 3);
  assert.ok([1, 2, 3, 4, 5].some((seed) => seeded(seed) !== seeded(0)));
  assert.deepEqual(parseCsv('x;"label; quoted"\n1;"a ""b"""\n2;c\n3;"a ""b"""\n4;c\n5;c\n', 'semi.csv', { delimiter: ';', label: 'label; quoted' }).train.classNames, ['a "b"', 'c']);
});

test('errors name the file, line and column', async () => {
  const cases: [string, string | RegExp, object?][] = [
    ['a,b,c\n1,2,x\n\n3,abc,y\n', "bad.csv:4: column 2 ('b') is 'abc', not a number"],
    ['1,2,x\n3,,y\n', 'bad.csv:2: column 2 is empty, not a number'],
    ['1,2,x\n3,Infinity,y\n', "bad.csv:2: column 2 is 'Infinity', not a finite float32 number (|x| ≤ 3.4028235e+38)"],
    ['a,b,c\n1,2,x\n3,4\n', 'bad.csv:3: 2 columns, expected 3 as on line 1'],
    ['a,b,c\n1,2,x\n3,4,y,5\n', 'bad.csv:3: 4 columns, expected 3 as on line 1'],
    ['a,b,c\n1,2,x\n3,4,\n', "bad.csv:3: column 3 ('c') is empty, but every row needs a label"],
    ['a,b,c\n1,2,0\n3,4,0.5\n', "bad.csv:3: column 3 ('c') is '0.5': numeric labels must be integer class ids"],
    ['a,b,c\n1,2,x\n3,4,x\n', "bad.csv: column 3 ('c') holds a single class ('x'); classification needs at least two"],
    ['', 'bad.csv: empty file'],
    [' \n\n', 'bad.csv: empty file'],
    ['a,b,c\n', 'bad.csv: no data rows after the header'],
    ['a\n1\n', 'bad.csv:1: 1 column, but a table needs at least one feature column and a label column'],
    // Was a RangeError from stratifiedSplit that named the dataset but not the file.
    ['a,b\n1,x\n2,y\n', 'bad.csv: 2 data rows: too few to hold out a test fraction of 0.2 and keep a train split'],
    ['a,b\n1,"x\n', 'bad.csv:2: unterminated quoted field (quoted line breaks are not supported)'],
    ['a,b\n1,"x"y\n', 'bad.csv:2: text after the closing quote of field 2'],
    ['a,b,c\n1,2,x\n', "bad.csv:1: column 1 is 'a', not a number", { header: false }],
  ];
  for (const [text, message, options] of cases) assert.throws(() => parseCsv(text, 'bad.csv', options), { name: 'Error', message }, JSON.stringify(text));
  const file = write('data.csv', 'sepal,petal_width,species\n1,2,a\n1,3,b\n1,4,a\n1,5,b\n1,6,a\n1,7,b\n1,8,a\n1,9,b\n1,1,a\n1,2,b\n1,3,a\n1,4,b\n1,5,a\n1,6,b\n1,7,a\n1,abc,b\n');
  await assert.rejects(loadCsv(file), { message: `${file}:17: column 2 ('petal_width') is 'abc', not a number` });
  await assert.rejects(loadCsv(join(root, 'absent.csv')), { name: 'Error', message: `cannot read CSV file ${join(root, 'absent.csv')}: no such file or directory` });
});

test('bad options are RangeErrors or TypeErrors naming the option', () => {
  const text = 'a,b,c\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,10,x\n';
  assert.throws(() => parseCsv(text, 't.csv', { label: 'd' }), { name: 'RangeError', message: "label 'd' is not a column of t.csv; its columns are 'a', 'b', 'c'" });
  assert.throws(() => parseCsv(text, 't.csv', { label: 3 }), { name: 'RangeError', message: 'label must be a column index in [-3, 2] for t.csv, got 3' });
  assert.throws(() => parseCsv(text, 't.csv', { label: -4 }), { name: 'RangeError' });
  assert.throws(() => parseCsv(text, 't.csv', { label: 1.5 }), { name: 'RangeError' });
  assert.throws(() => parseCsv('1,2,x\n3,4,y\n', 't.csv', { label: 'c' }), { name: 'RangeError', message: "label 'c' names a column, but t.csv has no header row" });
  assert.throws(() => parseCsv(text, 't.csv', { label: true as never }), { name: 'TypeError', message: /^label must be/ });
  assert.throws(() => parseCsv(text, 't.csv', { delimiter: '"' }), { name: 'RangeError', message: /^delimiter must be one character/ });
  assert.throws(() => parseCsv(text, 't.csv', { delimiter: ';;' }), { name: 'RangeError', message: /^delimiter/ });
  assert.throws(() => parseCsv(text, 't.csv', { testFraction: 1 }), { name: 'RangeError', message: /^testFraction/ });
});

/** Houses: price = 3·rooms + 0.5·age + 0.25, value = price / 10; 20 rows. */
function houses(): string {
  const rows = Array.from({ length: 20 }, (_, i) => {
    const rooms = 1 + (i % 5);
    const age = 2 * i;
    const price = 3 * rooms + 0.5 * age + 0.25;
    return `${rooms},${age},${price},${price / 10}`;
  });
  return ['rooms,age,price,value', ...rows].join('\n');
}

test('task regression reads float32 targets [n] from one column or [n, k] from several, in their own units', async () => {
  const file = write('houses.csv', houses());
  const one = await loadCsv(file, { task: 'regression', target: 'value', seed: 2 });
  assert.equal(one.train.task, 'regression');
  assert.equal(one.train.size + one.test.size, 20);
  assert.deepEqual(one.train.inputShape, [3]);
  assert.deepEqual(one.train.targetShape, []);
  assert.deepEqual(one.train.targetNames, ['value']);
  assert.deepEqual(one.featureNames, ['rooms', 'age', 'price']);
  const { mean, std } = one.standardization;
  for (const d of [one.train, one.test]) {
    assert.equal(d.targets.length, d.size);
    for (let r = 0; r < d.size; r++) {
      const price = d.x[3 * r + 2]! * std[2]! + mean[2]!;
      assertAllClose([d.targets[r]!], [price / 10], { rtol: 1e-5, what: 'target = price / 10, unstandardised' });
    }
  }
  const two = parseCsv(houses(), 'houses.csv', { task: 'regression', target: ['price', -1], seed: 2 });
  assert.deepEqual(two.train.targetShape, [2]);
  assert.deepEqual(two.train.targetNames, ['price', 'value']);
  assert.deepEqual(two.featureNames, ['rooms', 'age']);
  for (const d of [two.train, two.test]) {
    assert.equal(d.targets.length, 2 * d.size);
    for (let r = 0; r < d.size; r++) {
      const rooms = d.x[2 * r]! * two.standardization.std[0]! + two.standardization.mean[0]!;
      const age = d.x[2 * r + 1]! * two.standardization.std[1]! + two.standardization.mean[1]!;
      assertAllClose([d.targets[2 * r]!, d.targets[2 * r + 1]!], [3 * rooms + 0.5 * age + 0.25, (3 * rooms + 0.5 * age + 0.25) / 10], { rtol: 1e-5 });
    }
  }
  assert.deepEqual(parseCsv(houses(), 'houses.csv', { task: 'regression', seed: 2 }), one, 'the default target is the last column');
});

test('task regression refuses bad targets and options naming line, column or option', () => {
  const cases: [string, object, string, string][] = [
    ['a,b\n1,2\n3,x\n', { task: 'regression' }, 'Error', "r.csv:3: column 2 ('b') is 'x', not a number"],
    ['a,b\n1,2\n3,NaN\n', { task: 'regression' }, 'Error', "r.csv:3: column 2 ('b') is 'NaN', not a finite float32 number (|x| ≤ 3.4028235e+38)"],
    ['a,b\n1,2\n3,1e39\n', { task: 'regression' }, 'Error', "r.csv:3: column 2 ('b') is '1e39', not a finite float32 number (|x| ≤ 3.4028235e+38)"],
    ['a,b\n1,2\n3,4\n', { task: 'regression', target: ['a', 'b'] }, 'RangeError', 'target takes every column of r.csv, leaving no feature column'],
    ['a,b,c\n1,2,3\n', { task: 'regression', target: ['c', 2] }, 'RangeError', "target lists column 3 ('c') of r.csv twice"],
    ['a,b\n1,2\n', { task: 'regression', target: 'z' }, 'RangeError', "target 'z' is not a column of r.csv; its columns are 'a', 'b'"],
    ['a,b\n1,2\n', { task: 'regression', label: 'a' }, 'RangeError', "label applies to task 'classification'; regression chooses its columns with target"],
    ['a,b\n1,2\n', { target: 'a' }, 'RangeError', "target applies to task 'regression'; classification chooses its column with label"],
    ['a,b\n1,2\n', { task: 'ranking' }, 'RangeError', 'task must be \'classification\' or \'regression\', got "ranking"'],
    ['a,b\n1,2\n', { task: 'regression', target: [] }, 'TypeError', 'target must be a column name or index, or a non-empty list of them'],
    ['a,b\n1,2\n', { header: 'yes' }, 'TypeError', 'header must be a boolean, got string'],
    ['a,b\n1,2\n', { task: 'regression' }, 'Error', 'r.csv: 1 data row: too few to hold out a test fraction of 0.2 and keep a train split'],
  ];
  for (const [text, options, name, message] of cases) assert.throws(() => parseCsv(text, 'r.csv', options), { name, message }, `${JSON.stringify(options)} on ${JSON.stringify(text)}`);
});

test('numbers are decimal and finite in float32: NaN, infinities, overflow and hexadecimal are refused naming line and column', () => {
  const table = (cell: string) => `a,b,c\n1,2,x\n3,${cell},y\n5,6,x\n7,8,y\n9,10,x\n`;
  // Before: Number() read '1e39' as a float64 that became Infinity in the Float32Array, and '0x1F' as 31.
  for (const cell of ['NaN', 'nan', 'inf', '-Infinity', '1e39', '-3.5e38']) {
    assert.throws(() => parseCsv(table(cell), 'n.csv'), { name: 'Error', message: `n.csv:3: column 2 ('b') is '${cell}', not a finite float32 number (|x| ≤ 3.4028235e+38)` });
  }
  for (const cell of ['0x1F', '0b11', '1_000', '1e', '--2', '1 2']) {
    assert.throws(() => parseCsv(table(cell), 'n.csv'), { name: 'Error', message: `n.csv:3: column 2 ('b') is '${cell}', not a number` });
  }
  for (const [cell, value] of [['3.4e38', 3.4e38], ['" -4 "', -4], ['.5', 0.5], ['7.', 7], ['+2E-3', 0.002]] as const) {
    const { train, test: held, standardization: s } = parseCsv(table(cell), 'n.csv', { testFraction: 0.4, seed: 1 });
    const raw = [train, held].flatMap((d) => Array.from({ length: d.size }, (_, r) => d.x[2 * r + 1]! * s.std[1]! + s.mean[1]!));
    assert.ok(raw.some((v) => Math.abs(v - Math.fround(value)) <= 1e-6 * Math.abs(value) + 1e-6), `'${cell}' reads as ${value}`);
  }
});

test('a test value that overflows float32 once standardised with a tiny train spread is refused naming the column', () => {
  // With 0 and 1e-40 in train (std 5e-41), a test value of 1e10 would be 2e50 standard deviations: beyond float32.
  const text = 'a,b,t\n1,0,1\n2,1e-40,2\n3,1e10,3\n';
  const refused = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((seed) => {
    try {
      parseCsv(text, 'spread.csv', { task: 'regression', testFraction: 0.34, seed });
      return false;
    } catch (e) {
      assert.match((e as Error).message, /^spread\.csv: column 2 \('b'\): 10000000000 standardised with the train split's mean [\d.e-]+ and std [\d.e-]+ overflows float32$/);
      return true;
    }
  });
  assert.ok(refused.length > 0 && refused.length < 10, `only the splits that hold out the 1e10 row are refused (seeds ${refused})`);
});

test('a label or target name that several header columns share is refused, not guessed', () => {
  assert.throws(() => parseCsv('x,x,y\n1,2,a\n3,4,b\n', 'dup.csv', { label: 'x' }), { name: 'RangeError', message: "label 'x' names 2 columns of dup.csv (columns 1, 2); choose one by index" });
  assert.equal(parseCsv('x,x,y\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,9,a\n', 'dup.csv').featureNames.join(), 'x,x', 'unused duplicates are fine');
});

test('loadCsv refuses bad options before reading and a file that is not UTF-8', async () => {
  await assert.rejects(loadCsv(join(root, 'absent.csv'), { delimiter: ';;' }), { name: 'RangeError', message: /^delimiter must be one character/ });
  const latin1 = join(root, 'latin1.csv');
  writeFileSync(latin1, Buffer.from([0x61, 0x2c, 0xe9, 0x0a]));
  await assert.rejects(loadCsv(latin1), { name: 'Error', message: `${latin1}: not UTF-8 text` });
});
