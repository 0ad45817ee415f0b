import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CsvDatasetSplit, type CsvRegressionSplit, parseCsv } from '../../src/data/csv.js';
import type { AnyDataset } from '../../src/data/dataset.js';
import { FUZZ, readOrRefuse } from '../fuzz.js';

const FILE = 'fuzz.csv';

/** A cell as written and what it means: a number (its value), a class label, or garbage a reader must refuse. */
interface Cell {
  readonly text: string;
  readonly value?: number;
}

const NUMBERS: readonly [string, number][] = [
  ['0', 0], ['1', 1], ['-2.5', -2.5], ['+3', 3], ['1e3', 1000], ['.5', 0.5], ['7.', 7], ['-0', -0], ['2E-3', 0.002],
  ['3.4e38', 3.4e38], ['-1.25e-30', -1.25e-30], ['"8"', 8], [' 9 ', 9], ['" -4 "', -4],
];
const GARBAGE = ['', 'NaN', 'nan', 'inf', '-Infinity', '1e39', '-4e38', '0x1F', '0b1', 'abc', '"1,5"', '1 2', '"x""y"', '--1', '1e', 'Infinity'];

const numberCell: fc.Arbitrary<Cell> = fc.constantFrom(...NUMBERS).map(([text, value]) => ({ text, value }));
const garbageCell: fc.Arbitrary<Cell> = fc.constantFrom(...GARBAGE).map((text) => ({ text }));
const labelCell: fc.Arbitrary<Cell> = fc.constantFrom('a', 'b', 'c', '"b"', '0', '1', '2').map((text) => ({ text }));

interface Table {
  readonly rows: Cell[][];
  readonly header: boolean;
  readonly lineBreak: string;
  readonly blankEvery: number;
  readonly bom: boolean;
  /** Row and how many cells to drop (−) or add (+) to make the table ragged, if any; never the row that sets the width. */
  readonly ragged?: { readonly row: number; readonly by: number };
}

/** Tables of 2–4 columns, 1–14 rows, mostly numbers, sometimes a garbage cell or a ragged row. */
function table(target: fc.Arbitrary<Cell>): fc.Arbitrary<Table> {
  return fc.integer({ min: 2, max: 4 }).chain((width) =>
    fc.record({
      rows: fc.array(
        fc.tuple(fc.array(fc.oneof({ weight: 12, arbitrary: numberCell }, { weight: 1, arbitrary: garbageCell }), { minLength: width - 1, maxLength: width - 1 }), target).map(([features, label]) => [...features, label]),
        { minLength: 1, maxLength: 14 },
      ),
      header: fc.boolean(),
      lineBreak: fc.constantFrom('\n', '\r\n', '\r'),
      blankEvery: fc.integer({ min: 0, max: 4 }),
      bom: fc.boolean(),
      ragged: fc.option(fc.record({ row: fc.nat(13), by: fc.constantFrom(-1, 1) }), { nil: undefined }),
    }).map((t) => {
      // Without a header the first row sets the width: rag another one, if there is one.
      const rows = t.header ? t.rows.length : t.rows.length - 1;
      const ragged = t.ragged && rows > 0 ? { row: (t.header ? 0 : 1) + (t.ragged.row % rows), by: t.ragged.by } : undefined;
      return { ...t, ragged };
    }),
  );
}

/** The CSV text of a table and the file line of each data row. */
function render(t: Table): { text: string; lines: number[] } {
  const out: string[] = [];
  const lines: number[] = [];
  if (t.header) out.push(t.rows[0]!.map((_, c) => `col${c}`).join(','));
  t.rows.forEach((row, r) => {
    if (t.blankEvery > 0 && r % t.blankEvery === 1) out.push('  ');
    let cells = row.map((cell) => cell.text);
    // Dropping the first cell keeps the (never empty) last one, so the line cannot turn blank.
    if (t.ragged?.row === r) cells = t.ragged.by < 0 ? cells.slice(1) : [...cells, '5'];
    out.push(cells.join(','));
    lines.push(out.length);
  });
  return { text: (t.bom ? '\uFEFF' : '') + out.join(t.lineBreak) + (t.rows.length % 2 ? t.lineBreak : ''), lines };
}

/** The first refusal a reader owes this table, as [line, what the message must say], if any. */
function firstDefect(t: Table, lines: readonly number[], task: 'classification' | 'regression'): [number, RegExp] | undefined {
  for (let r = 0; r < t.rows.length; r++) {
    const line = lines[r]!;
    if (t.ragged?.row === r) return [line, /: \d columns?, expected /];
    const columns = task === 'regression' ? t.rows[r]! : t.rows[r]!.slice(0, -1);
    const bad = columns.findIndex((cell) => cell.value === undefined);
    if (bad >= 0) return [line, new RegExp(`: column ${bad + 1}( \\('col${bad}'\\))? is `)];
  }
  return undefined;
}

interface RawRow {
  readonly x: number[];
  readonly label: string | number[];
}

/** The examples of both splits as raw feature values (undoing the standardisation) with their class name or targets. */
function rawRows(split: CsvDatasetSplit | CsvRegressionSplit): RawRow[] {
  const { mean, std } = split.standardization;
  const features = mean.length;
  const rows = (d: AnyDataset): RawRow[] =>
    Array.from({ length: d.size }, (_, i) => ({
      x: Array.from(d.x.subarray(i * features, (i + 1) * features), (v, f) => v * std[f]! + mean[f]!),
      label: d.task === 'regression' ? Array.from(d.targets.subarray(i * (d.targets.length / d.size), (i + 1) * (d.targets.length / d.size))) : d.classNames![d.y[i]!]!,
    }));
  return [...rows(split.train), ...rows(split.test)];
}

/**
 * Asserts that the examples are the table's rows in some order: each example matches a
 * distinct row, features within float32 rounding of the standardisation (relative to the
 * column's scale and the value), labels exactly.
 */
function assertSameRows(split: CsvDatasetSplit | CsvRegressionSplit, t: Table, task: 'classification' | 'regression'): void {
  const { mean, std } = split.standardization;
  const expected: RawRow[] = t.rows.map((row) => {
    const last = row[row.length - 1]!;
    return { x: row.slice(0, -1).map((cell) => Math.fround(cell.value!)), label: task === 'regression' ? [Math.fround(last.value!)] : String(toClass(last.text)) };
  });
  const close = (a: RawRow, b: RawRow): boolean =>
    a.x.every((v, f) => Math.abs(v - b.x[f]!) <= 1e-5 * (std[f]! + Math.abs(mean[f]!) + Math.abs(b.x[f]!))) && JSON.stringify(a.label) === JSON.stringify(b.label);
  const got = rawRows(split);
  assert.equal(got.length, expected.length, 'every row is an example');
  for (const row of got) {
    const match = expected.findIndex((e) => close(row, e));
    assert.ok(match >= 0, `example ${JSON.stringify(row)} is none of the table's rows ${JSON.stringify(expected)}`);
    expected.splice(match, 1);
  }
}

/** The class name a label cell becomes: unquoted, and numeric labels by value. */
function toClass(text: string): string {
  const unquoted = text.replaceAll('"', '');
  return /^\d+$/.test(unquoted) ? String(Number(unquoted)) : unquoted;
}

for (const task of ['classification', 'regression'] as const) {
  test(`any CSV ${task} table is read row for row or refused naming the line of its first defect`, () => {
    fc.assert(
      fc.property(table(task === 'regression' ? numberCell : labelCell), (t) => {
        const { text, lines } = render(t);
        const options = { task, header: t.header };
        const split = readOrRefuse(() => parseCsv(text, FILE, options), FILE);
        const defect = firstDefect(t, lines, task);
        if (defect) {
          assert.equal(split, undefined, `a table with a defect on line ${defect[0]} was read`);
          assert.throws(() => parseCsv(text, FILE, options), { message: new RegExp(`^${FILE}:${defect[0]}${defect[1].source}`) });
          return;
        }
        if (!split) return; // Refusals without a defect in a row: too few rows, or a single class.
        assertSameRows(split, t, task);
        for (const d of [split.train, split.test]) assert.ok(d.x.every(Number.isFinite), 'standardised features are finite');
      }),
      FUZZ,
    );
  });
}

test('any text is read as a consistent split or refused naming the file', () => {
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.constantFrom('1', '2', 'a', 'b', ',', ';', '"', '\n', '\r', ' ', 'e', '-', '.', 'NaN'), { maxLength: 60 }).map((parts) => parts.join('')));
  fc.assert(
    fc.property(text, fc.constantFrom<'classification' | 'regression'>('classification', 'regression'), fc.option(fc.boolean(), { nil: undefined }), (csv, task, header) => {
      const split = readOrRefuse(() => parseCsv(csv, FILE, { task, ...(header !== undefined && { header }) }), FILE);
      if (!split) return;
      const rows = csv.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).filter((line) => line.trim() !== '').length;
      assert.equal(split.train.size + split.test.size, rows - (split.featureNames[0] === 'column 1' && header !== true ? 0 : 1));
      for (const d of [split.train, split.test]) {
        assert.ok(d.x.every(Number.isFinite));
        if (d.task === 'regression') assert.ok(d.targets.every(Number.isFinite));
        else assert.ok(d.y.every((y) => y >= 0 && y < d.classes));
      }
    }),
    FUZZ,
  );
});
