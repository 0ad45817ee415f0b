/**
 * Numeric CSV tables: feature columns plus one label column. Labels (strings or integers)
 * become class indices in sorted order; features are standardised with the train split's
 * statistics only, so nothing about the test split leaks into training.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Seed } from '../rng/index.js';
import { type Dataset, type DatasetSplit, createDataset } from './dataset.js';
import { stratifiedSplit } from './split.js';

export interface CsvOptions {
  /** The label column: a header name, or a 0-based index, negative counting from the end (default -1: the last). */
  readonly label?: string | number;
  /** Whether the first row names the columns (default: detected, a header when none of its cells is a number). */
  readonly header?: boolean;
  /** One character (default ','). */
  readonly delimiter?: string;
  /** Fraction of the rows held out for the stratified test split (default 0.2). */
  readonly testFraction?: number;
  /** Seed of the train/test split (default 0). */
  readonly seed?: Seed;
}

export interface Standardization {
  readonly mean: readonly number[];
  /** Population standard deviations; 1 for a constant feature, which is only centred. */
  readonly std: readonly number[];
}

export interface CsvDatasetSplit extends DatasetSplit {
  /** Header names of the feature columns, or 'column N' (1-based) without a header. */
  readonly featureNames: readonly string[];
  /** Train-split statistics of the raw features; both splits hold (raw - mean) / std, and so must new inputs. */
  readonly standardization: Standardization;
}

interface Row {
  readonly line: number;
  readonly cells: string[];
}

/** Reads and parses a CSV file; see parseCsv. */
export async function loadCsv(file: string, options: CsvOptions = {}): Promise<CsvDatasetSplit> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file}: no such file`);
    throw e;
  }
  return parseCsv(text, file, options);
}

/** A CSV table as a standardised train/test split; `source` names the table in errors and in the dataset name. */
export function parseCsv(text: string, source: string, options: CsvOptions = {}): CsvDatasetSplit {
  const { label = -1, delimiter = ',', testFraction = 0.2, seed = 0 } = options;
  if (typeof label !== 'string' && typeof label !== 'number') throw new TypeError(`label must be a column name or index, got ${typeof label}`);
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter)) {
    throw new RangeError(`delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const rows: Row[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((line, i) => {
      if (line.trim() !== '') rows.push({ line: i + 1, cells: splitLine(line, delimiter, `${source}:${i + 1}`) });
    });
  if (rows.length === 0) throw new Error(`${source}: empty file`);
  const first = rows[0]!;
  const width = first.cells.length;
  if (width < 2) throw new Error(`${source}:${first.line}: 1 column, but a table needs at least one feature column and a label column`);
  const header = options.header ?? first.cells.every((cell) => !Number.isFinite(toNumber(cell)));
  const names = header ? first.cells : undefined;
  const data = header ? rows.slice(1) : rows;
  if (data.length === 0) throw new Error(`${source}: no data rows after the header`);
  const labelColumn = resolveLabel(label, names, width, source);
  const column = (c: number): string => `column ${c + 1}${names ? ` ('${names[c]}')` : ''}`;
  const featureColumns = Array.from({ length: width }, (_, c) => c).filter((c) => c !== labelColumn);

  const x = new Float32Array(data.length * featureColumns.length);
  const rawLabels: string[] = [];
  data.forEach(({ line, cells }, r) => {
    if (cells.length !== width) throw new Error(`${source}:${line}: ${cells.length} columns, expected ${width} as on line ${first.line}`);
    featureColumns.forEach((c, f) => {
      const value = toNumber(cells[c]!);
      if (!Number.isFinite(value)) throw new Error(`${source}:${line}: ${column(c)} is ${quote(cells[c]!)}, not a number`);
      x[r * featureColumns.length + f] = value;
    });
    if (cells[labelColumn] === '') throw new Error(`${source}:${line}: ${column(labelColumn)} is empty, but every row needs a label`);
    rawLabels.push(cells[labelColumn]!);
  });

  const { classNames, y } = encodeLabels(rawLabels, (r) => `${source}:${data[r]!.line}: ${column(labelColumn)}`);
  if (classNames.length < 2) throw new Error(`${source}: ${column(labelColumn)} holds a single class ('${classNames[0]}'); classification needs at least two`);
  const name = basename(source, extname(source));
  const all = createDataset({ name, inputShape: [featureColumns.length], classes: classNames.length, classNames, x, y });
  const split = stratifiedSplit(all, { seed, testFraction });
  const standardization = featureStatistics(split.train);
  return {
    train: standardize(split.train, standardization),
    test: standardize(split.test, standardization),
    featureNames: featureColumns.map((c) => names?.[c] ?? `column ${c + 1}`),
    standardization,
  };
}

/** Cells of one line: trimmed, or "quoted" with "" for a quote (quoted line breaks are not supported). */
function splitLine(line: string, delimiter: string, where: string): string[] {
  const cells: string[] = [];
  for (let start = 0; ; ) {
    const quoted = /^[ \t]*"/.exec(line.slice(start));
    let cell: string;
    let end: number;
    if (quoted) {
      cell = '';
      let i = start + quoted[0].length;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new Error(`${where}: unterminated quoted field (quoted line breaks are not supported)`);
        cell += line.slice(i, close);
        i = close + 1;
        if (line[i] !== '"') break;
        cell += '"';
        i++;
      }
      end = line.indexOf(delimiter, i);
      if (line.slice(i, end < 0 ? undefined : end).trim() !== '') throw new Error(`${where}: text after the closing quote of field ${cells.length + 1}`);
    } else {
      end = line.indexOf(delimiter, start);
      cell = line.slice(start, end < 0 ? undefined : end).trim();
    }
    cells.push(cell);
    if (end < 0) return cells;
    start = end + 1;
  }
}

function resolveLabel(label: string | number, names: readonly string[] | undefined, width: number, source: string): number {
  if (typeof label === 'number') {
    const index = label < 0 ? width + label : label;
    if (!Number.isInteger(label) || index < 0 || index >= width) throw new RangeError(`label must be a column index in [${-width}, ${width - 1}] for ${source}, got ${label}`);
    return index;
  }
  if (!names) throw new RangeError(`label '${label}' names a column, but ${source} has no header row`);
  const index = names.indexOf(label);
  if (index < 0) throw new RangeError(`label '${label}' is not a column of ${source}; its columns are ${names.map((n) => `'${n}'`).join(', ')}`);
  return index;
}

/** Class indices in sorted label order: numeric order when every label is an integer, else code-unit order. */
function encodeLabels(raw: readonly string[], where: (row: number) => string): { classNames: string[]; y: Int32Array } {
  const numeric = raw.every((s) => Number.isFinite(toNumber(s)));
  if (numeric) {
    const bad = raw.findIndex((s) => !Number.isInteger(toNumber(s)));
    if (bad >= 0) throw new Error(`${where(bad)} is ${quote(raw[bad]!)}: numeric labels must be integer class ids`);
  }
  // Numeric labels are keyed by value, so '1' and '1.0' are one class.
  const keys = numeric ? raw.map((s) => String(toNumber(s))) : raw;
  const classNames = [...new Set(keys)].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(classNames.map((name, c) => [name, c]));
  return { classNames, y: Int32Array.from(keys, (key) => index.get(key)!) };
}

function featureStatistics(train: Dataset): Standardization {
  const features = train.inputShape[0]!;
  const mean = new Array<number>(features).fill(0);
  const std = new Array<number>(features).fill(0);
  for (let i = 0; i < train.x.length; i++) mean[i % features]! += train.x[i]!;
  for (let f = 0; f < features; f++) mean[f]! /= train.size;
  for (let i = 0; i < train.x.length; i++) std[i % features]! += (train.x[i]! - mean[i % features]!) ** 2;
  for (let f = 0; f < features; f++) std[f] = Math.sqrt(std[f]! / train.size) || 1;
  return { mean, std };
}

function standardize(dataset: Dataset, { mean, std }: Standardization): Dataset {
  const features = mean.length;
  const x = dataset.x.map((v, i) => (v - mean[i % features]!) / std[i % features]!);
  return createDataset({ ...dataset, x });
}

function toNumber(cell: string): number {
  return cell === '' ? Number.NaN : Number(cell);
}

function quote(cell: string): string {
  return cell === '' ? 'empty' : `'${cell}'`;
}
