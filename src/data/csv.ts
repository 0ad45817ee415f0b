/**
 * Numeric CSV tables: feature columns plus a label column (classification) or one or more
 * target columns (regression). Class labels (strings or integers) become class indices in
 * sorted order; regression targets stay float32 values in their own units. Features are
 * standardised with the train split's statistics only, so nothing about the test split
 * leaks into training.
 */
import { basename, extname } from 'node:path';
import { readRegularFile } from '../io/file-error.js';
import type { Seed } from '../rng/index.js';
import { type AnyDataset, type DatasetSplit, type RegressionDataset, type Task, createDataset, createRegressionDataset } from './dataset.js';
import { stratifiedSplit } from './split.js';

/** A column: a header name, or a 0-based index, negative counting from the end. */
export type CsvColumn = string | number;

export interface CsvOptions {
  /** 'classification' (default): one label column of classes; 'regression': float target columns. */
  readonly task?: Task;
  /** classification only: the label column (default -1: the last). */
  readonly label?: CsvColumn;
  /**
   * regression only: the target column, giving targets [n] (default -1: the last), or a list
   * of columns, giving targets [n, k] in list order.
   */
  readonly target?: CsvColumn | readonly CsvColumn[];
  /** Whether the first row names the columns (default: detected, a header when none of its cells is a number). */
  readonly header?: boolean;
  /** One character (default ','). */
  readonly delimiter?: string;
  /** Fraction of the rows held out for the test split (default 0.2); stratified by class for classification. */
  readonly testFraction?: number;
  /** Seed of the train/test split (default 0). */
  readonly seed?: Seed;
}

export interface Standardization {
  readonly mean: readonly number[];
  /** Population standard deviations; 1 for a constant feature, which is only centred. */
  readonly std: readonly number[];
}

/** What a CSV table adds to its split: the feature names and the statistics the features were standardised with. */
export interface CsvColumns {
  /** Header names of the feature columns, or 'column N' (1-based) without a header. */
  readonly featureNames: readonly string[];
  /** Train-split statistics of the raw features; both splits hold (raw - mean) / std, and so must new inputs. */
  readonly standardization: Standardization;
}

export interface CsvDatasetSplit extends DatasetSplit, CsvColumns {}

/** A regression table; its datasets' targetNames are the target columns' names. */
export interface CsvRegressionSplit extends DatasetSplit<RegressionDataset>, CsvColumns {}

interface Row {
  readonly line: number;
  readonly cells: string[];
}

/** The largest finite float32; a value beyond it would become ±Infinity in a Float32Array. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Decimal numbers only: Number() would also take '0x1F', '0b1', ' ' and 'Infinity'. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Reads and parses a CSV file; see parseCsv.
 * @throws FileError "cannot read CSV file <file>: <reason>" when it cannot be read, and what parseCsv throws.
 */
export async function loadCsv(file: string, options?: CsvOptions & { readonly task?: 'classification' }): Promise<CsvDatasetSplit>;
export async function loadCsv(file: string, options: CsvOptions & { readonly task: 'regression' }): Promise<CsvRegressionSplit>;
export async function loadCsv(file: string, options?: CsvOptions): Promise<CsvDatasetSplit | CsvRegressionSplit>;
export async function loadCsv(file: string, options: CsvOptions = {}): Promise<CsvDatasetSplit | CsvRegressionSplit> {
  checkCsvOptions(options);
  const bytes = await readRegularFile(file, 'CSV file');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${file}: not UTF-8 text`);
  }
  return parseCsv(text, file, options);
}

/**
 * A CSV table as a train/test split with standardised features; `source` names the table in
 * errors and (without its extension) in the dataset names. Cells are trimmed, or "quoted"
 * with "" for a quote; blank lines are skipped. Numbers are decimal ('1', '-2.5', '3e-4');
 * NaN, Infinity, hexadecimal and values beyond the float32 range are refused.
 * @throws TypeError/RangeError for bad options (see checkCsvOptions); Error "<source>:<line>: …"
 *   naming the line and column for a bad cell, a ragged row or an unterminated quote, and
 *   "<source>: …" for a table that cannot be split (too few rows, a single class).
 */
export function parseCsv(text: string, source: string, options?: CsvOptions & { readonly task?: 'classification' }): CsvDatasetSplit;
export function parseCsv(text: string, source: string, options: CsvOptions & { readonly task: 'regression' }): CsvRegressionSplit;
export function parseCsv(text: string, source: string, options?: CsvOptions): CsvDatasetSplit | CsvRegressionSplit;
export function parseCsv(text: string, source: string, options: CsvOptions = {}): CsvDatasetSplit | CsvRegressionSplit {
  checkCsvOptions(options);
  const { task = 'classification', delimiter = ',', testFraction = 0.2, seed = 0 } = options;
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
  if (width < 2) throw new Error(`${source}:${first.line}: 1 column, but a table needs at least one feature column and a ${task === 'regression' ? 'target' : 'label'} column`);
  const header = options.header ?? first.cells.every((cell) => !Number.isFinite(toNumber(cell)));
  const names = header ? first.cells : undefined;
  const data = header ? rows.slice(1) : rows;
  if (data.length === 0) throw new Error(`${source}: no data rows after the header`);
  const column = (c: number): string => `column ${c + 1}${names ? ` ('${names[c]}')` : ''}`;
  const columnName = (c: number): string => names?.[c] ?? `column ${c + 1}`;
  const labelColumns = task === 'regression' ? asList(options.target ?? -1).map((t) => resolveColumn('target', t, names, width, source)) : [resolveColumn('label', options.label ?? -1, names, width, source)];
  const repeated = labelColumns.find((c, i) => labelColumns.indexOf(c) !== i);
  if (repeated !== undefined) throw new RangeError(`target lists ${column(repeated)} of ${source} twice`);
  const featureColumns = Array.from({ length: width }, (_, c) => c).filter((c) => !labelColumns.includes(c));
  if (featureColumns.length === 0) throw new RangeError(`target takes every column of ${source}, leaving no feature column`);

  // One pass in file order, so that of several bad lines the error names the first.
  const x = new Float32Array(data.length * featureColumns.length);
  const targets = new Float32Array(task === 'regression' ? data.length * labelColumns.length : 0);
  const rawLabels: string[] = [];
  data.forEach(({ line, cells }, r) => {
    if (cells.length !== width) throw new Error(`${source}:${line}: ${cells.length} columns, expected ${width} as on line ${first.line}`);
    featureColumns.forEach((c, k) => (x[r * featureColumns.length + k] = parseCell(cells[c]!, `${source}:${line}: ${column(c)}`)));
    if (task === 'regression') {
      labelColumns.forEach((c, k) => (targets[r * labelColumns.length + k] = parseCell(cells[c]!, `${source}:${line}: ${column(c)}`)));
    } else {
      const label = cells[labelColumns[0]!]!;
      if (label === '') throw new Error(`${source}:${line}: ${column(labelColumns[0]!)} is empty, but every row needs a label`);
      rawLabels.push(label);
    }
  });
  const name = basename(source, extname(source));
  let all: AnyDataset;
  if (task === 'regression') {
    const targetShape = Array.isArray(options.target) ? [labelColumns.length] : [];
    const targetNames = labelColumns.map(columnName);
    all = createRegressionDataset({ name, inputShape: [featureColumns.length], targetShape, targetNames, x, targets });
  } else {
    const { classNames, y } = encodeLabels(rawLabels, (r) => `${source}:${data[r]!.line}: ${column(labelColumns[0]!)}`);
    if (classNames.length < 2) throw new Error(`${source}: ${column(labelColumns[0]!)} holds a single class ('${classNames[0]}'); classification needs at least two`);
    all = createDataset({ name, inputShape: [featureColumns.length], classes: classNames.length, classNames, x, y });
  }
  const testSize = Math.round(data.length * testFraction);
  if (testSize === 0 || testSize === data.length) {
    throw new Error(`${source}: ${data.length} data row${data.length > 1 ? 's' : ''}: too few to hold out a test fraction of ${testFraction} and keep a train split`);
  }
  const split = stratifiedSplit(all, { seed, testFraction });
  const standardization = featureStatistics(split.train);
  const standardize = (dataset: AnyDataset): AnyDataset => {
    const { mean, std } = standardization;
    const features = mean.length;
    const scaled = dataset.x.map((v, i) => (v - mean[i % features]!) / std[i % features]!);
    // Train values stay within sqrt(n) standard deviations; a test value far outside a tiny train spread may not.
    const bad = scaled.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const f = bad % features;
      throw new Error(`${source}: ${column(featureColumns[f]!)}: ${dataset.x[bad]} standardised with the train split's mean ${mean[f]} and std ${std[f]} overflows float32`);
    }
    return dataset.task === 'regression' ? createRegressionDataset({ ...dataset, x: scaled }) : createDataset({ ...dataset, x: scaled });
  };
  return { train: standardize(split.train), test: standardize(split.test), featureNames: featureColumns.map(columnName), standardization } as CsvDatasetSplit | CsvRegressionSplit;
}

/**
 * Checks CSV options without reading anything, so a bad option fails before the data is read.
 * @throws TypeError for an option of the wrong kind; RangeError for a bad value (a task other
 *   than classification or regression, label with regression or target with classification,
 *   a delimiter that is not one character other than a quote or line break, a testFraction outside (0, 1)).
 */
export function checkCsvOptions(options: CsvOptions): void {
  const { task = 'classification', label, target, header, delimiter, testFraction } = options;
  if (task !== 'classification' && task !== 'regression') throw new RangeError(`task must be 'classification' or 'regression', got ${JSON.stringify(task)}`);
  if (task === 'regression' && label !== undefined) throw new RangeError("label applies to task 'classification'; regression chooses its columns with target");
  if (task === 'classification' && target !== undefined) throw new RangeError("target applies to task 'regression'; classification chooses its column with label");
  const isColumn = (c: unknown): boolean => typeof c === 'string' || typeof c === 'number';
  if (label !== undefined && !isColumn(label)) throw new TypeError(`label must be a column name or index, got ${typeof label}`);
  if (target !== undefined && !(Array.isArray(target) ? target.length > 0 && target.every(isColumn) : isColumn(target))) {
    throw new TypeError('target must be a column name or index, or a non-empty list of them');
  }
  if (header !== undefined && typeof header !== 'boolean') throw new TypeError(`header must be a boolean, got ${typeof header}`);
  if (delimiter !== undefined && (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter))) {
    throw new RangeError(`delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  if (testFraction !== undefined && !(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
}

function asList(target: CsvColumn | readonly CsvColumn[]): readonly CsvColumn[] {
  return Array.isArray(target) ? target : [target as CsvColumn];
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

function resolveColumn(option: 'label' | 'target', column: CsvColumn, names: readonly string[] | undefined, width: number, source: string): number {
  if (typeof column === 'number') {
    const index = column < 0 ? width + column : column;
    if (!Number.isInteger(column) || index < 0 || index >= width) throw new RangeError(`${option} must be a column index in [${-width}, ${width - 1}] for ${source}, got ${column}`);
    return index;
  }
  if (!names) throw new RangeError(`${option} '${column}' names a column, but ${source} has no header row`);
  const matches = names.flatMap((n, c) => (n === column ? [c + 1] : []));
  if (matches.length === 0) throw new RangeError(`${option} '${column}' is not a column of ${source}; its columns are ${names.map((n) => `'${n}'`).join(', ')}`);
  if (matches.length > 1) throw new RangeError(`${option} '${column}' names ${matches.length} columns of ${source} (columns ${matches.join(', ')}); choose one by index`);
  return matches[0]! - 1;
}

/** A feature or target cell as a float32 value; `where` names its line and column. */
function parseCell(cell: string, where: string): number {
  const value = toNumber(cell);
  if (Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX) return value;
  if (cell === '') throw new Error(`${where} is empty, not a number`);
  if (NON_FINITE.test(cell.trim()) || DECIMAL.test(cell.trim())) throw new Error(`${where} is '${cell}', not a finite float32 number (|x| ≤ ${FLOAT32_MAX.toPrecision(8)})`);
  throw new Error(`${where} is '${cell}', not a number`);
}

/** Class indices in sorted label order: numeric order when every label is an integer, else code-unit order. */
function encodeLabels(raw: readonly string[], where: (row: number) => string): { classNames: string[]; y: Int32Array } {
  const numeric = raw.every((s) => Number.isFinite(toNumber(s)));
  if (numeric) {
    const bad = raw.findIndex((s) => !Number.isInteger(toNumber(s)));
    if (bad >= 0) throw new Error(`${where(bad)} is '${raw[bad]}': numeric labels must be integer class ids`);
  }
  // Numeric labels are keyed by value, so '1' and '1.0' are one class.
  const keys = numeric ? raw.map((s) => String(toNumber(s))) : raw;
  const classNames = [...new Set(keys)].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(classNames.map((name, c) => [name, c]));
  return { classNames, y: Int32Array.from(keys, (key) => index.get(key)!) };
}

function featureStatistics(train: AnyDataset): Standardization {
  const features = train.inputShape[0]!;
  const mean = new Array<number>(features).fill(0);
  const std = new Array<number>(features).fill(0);
  for (let i = 0; i < train.x.length; i++) mean[i % features]! += train.x[i]!;
  for (let f = 0; f < features; f++) mean[f]! /= train.size;
  for (let i = 0; i < train.x.length; i++) std[i % features]! += (train.x[i]! - mean[i % features]!) ** 2;
  for (let f = 0; f < features; f++) std[f] = Math.sqrt(std[f]! / train.size) || 1;
  return { mean, std };
}

/** The cell's decimal value (surrounding spaces, kept inside quotes, allowed), else NaN. */
function toNumber(cell: string): number {
  const text = cell.trim();
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}
