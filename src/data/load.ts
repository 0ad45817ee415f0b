import type { Seed } from '../rng/index.js';
import { loadCifar10 } from './cifar10.js';
import { type CsvColumn, type CsvOptions, checkCsvOptions, loadCsv } from './csv.js';
import type { DatasetSplit, RegressionSplit, Task } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { type IdxOptions, loadIdx } from './idx.js';
import { letters7x7 } from './letters.js';
import { loadMnist } from './mnist.js';
import { MAX_PARITY_BITS, parity } from './parity.js';

/** The dataset spec forms, for help texts. */
export const DATASET_SPECS: readonly string[] = Object.freeze(['mnist', 'fashion-mnist', 'cifar10:<dir>', 'idx:<dir>', 'csv:<file>[?<options>]', 'parity:<bits>', 'xor', 'letters7x7']);

/** The options a csv:<file>?k=v&k=v spec may carry, with their values; values are URI-decoded (%2C is a comma in a name). */
export const CSV_SPEC_OPTIONS: readonly string[] = Object.freeze([
  'task=classification|regression',
  'label=<column>',
  'target=<column>[,<column>…]',
  'delimiter=<one character>',
  'header=true|false',
  'testFraction=<number in (0, 1)>',
]);

/** CSV options other than the seed, which comes from LoadOptions.seed. */
export type CsvSpecOptions = Omit<CsvOptions, 'seed'>;

/** A validated dataset spec; `task` says whether it loads a classification or a regression split. */
export type DatasetSpec =
  | { readonly kind: 'mnist' | 'fashion-mnist'; readonly task: 'classification' }
  | { readonly kind: 'cifar10' | 'idx'; readonly task: 'classification'; readonly path: string }
  | { readonly kind: 'csv'; readonly task: Task; readonly path: string; readonly csv: CsvSpecOptions }
  | { readonly kind: 'parity'; readonly task: 'regression'; readonly bits: number }
  | { readonly kind: 'letters7x7'; readonly task: 'regression' };

const FORMS = `dataset spec must be one of ${DATASET_SPECS.join(', ')}`;
const CSV_KEYS = CSV_SPEC_OPTIONS.map((option) => option.slice(0, option.indexOf('=')));

/**
 * Validates a dataset spec without touching the file system, so that a command can refuse a
 * bad one before reading any data. Forms: 'mnist', 'fashion-mnist', 'cifar10:<dir>',
 * 'idx:<dir>', 'csv:<file>' optionally followed by '?key=value&…' CSV options (see
 * CSV_SPEC_OPTIONS), e.g. 'csv:houses.csv?task=regression&target=price'. A column that is an
 * integer ('-1', '3') is an index, anything else a header name. A path containing '?' cannot
 * be given in a csv spec. Generated regression sets (float targets, for an MSE objective):
 * 'parity:<bits>' (all 2ⁿ inputs, train = test), 'xor' (parity:2) and 'letters7x7'.
 * @throws TypeError when spec is not a string; RangeError naming the spec and listing the
 *   valid forms (or, for a bad CSV option, the valid options).
 */
export function parseDatasetSpec(spec: string): DatasetSpec {
  if (typeof spec !== 'string') throw new TypeError(`spec must be a string, got ${typeof spec}`);
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (colon < 0 && (kind === 'mnist' || kind === 'fashion-mnist')) return { kind, task: 'classification' };
  if (spec === 'xor') return { kind: 'parity', task: 'regression', bits: 2 };
  if (spec === 'letters7x7') return { kind: 'letters7x7', task: 'regression' };
  if (kind === 'parity' && colon > 0) {
    const bits = /^\d+$/.test(rest) ? Number(rest) : Number.NaN;
    if (!(bits >= 1 && bits <= MAX_PARITY_BITS)) throw new RangeError(`dataset spec '${spec}': parity takes 1 to ${MAX_PARITY_BITS} bits, as parity:<bits>`);
    return { kind: 'parity', task: 'regression', bits };
  }
  if (colon < 0 || !['cifar10', 'idx', 'csv'].includes(kind)) throw new RangeError(`${FORMS}, got '${spec}'`);
  if (kind !== 'csv') {
    if (rest === '') throw new RangeError(`${FORMS}, got '${spec}' (no path after the colon)`);
    return { kind: kind as 'cifar10' | 'idx', task: 'classification', path: rest };
  }
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  if (path === '') throw new RangeError(`${FORMS}, got '${spec}' (no path after the colon)`);
  const csv = question < 0 ? {} : parseCsvQuery(rest.slice(question + 1), spec);
  return { kind: 'csv', task: csv.task ?? 'classification', path, csv };
}

function parseCsvQuery(query: string, spec: string): CsvSpecOptions {
  const fail = (why: string): never => {
    throw new RangeError(`dataset spec '${spec}': ${why}; the CSV options are ${CSV_SPEC_OPTIONS.join(', ')}, as csv:<file>?key=value&key=value`);
  };
  const options: Record<string, unknown> = {};
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (!CSV_KEYS.includes(key)) fail(`unknown CSV option '${key}'`);
    if (equals < 0) fail(`option '${key}' has no value`);
    if (key in options) fail(`option '${key}' is given twice`);
    const raw = pair.slice(equals + 1);
    if (raw === '') fail(`option '${key}' has an empty value`);
    // Decoded after splitting, so that %2C is a comma inside a column name, not between two.
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text);
      } catch {
        return fail(`the value of '${key}' is not valid URI encoding`);
      }
    };
    options[key] = parseCsvValue(key, raw, decode, fail);
  }
  try {
    checkCsvOptions(options);
  } catch (e) {
    fail((e as Error).message);
  }
  return options;
}

function parseCsvValue(key: string, raw: string, decode: (text: string) => string, fail: (why: string) => never): unknown {
  const column = (text: string): CsvColumn => (/^-?\d+$/.test(text) ? Number(text) : decode(text));
  const value = decode(raw);
  switch (key) {
    case 'label':
      return column(raw);
    case 'target': {
      const columns = raw.split(',');
      if (columns.includes('')) fail(`target '${value}' has an empty column name`);
      return columns.length === 1 ? column(raw) : columns.map(column);
    }
    case 'header':
      return value === 'true' ? true : value === 'false' ? false : fail(`header must be true or false, got '${value}'`);
    case 'testFraction':
      return /^\d*\.?\d+(?:[eE][+-]?\d+)?$/.test(value) ? Number(value) : fail(`testFraction must be a number in (0, 1), got '${value}'`);
    default:
      return value;
  }
}

export interface LoadOptions {
  /** The task the caller trains for (default 'classification'); a spec of the other task is refused before any data is read. */
  readonly task?: Task;
  /** Seed of the CSV train/test split (default 0). MNIST's split is fixed; CIFAR-10 and IDX directories come split. */
  readonly seed?: Seed;
  /** fashion-mnist only: the directory of its IDX files (default /usr/share/datasets/fashion-mnist). */
  readonly dir?: string;
  /** csv:<file> only; an option may be given here or in the spec, not in both. */
  readonly csv?: CsvSpecOptions;
  /** idx:<dir> only. */
  readonly idx?: Pick<IdxOptions, 'classes' | 'classNames'>;
}

/**
 * Loads the train/test split a spec names (see parseDatasetSpec): 'mnist' (embedded
 * 8,000/2,000), 'fashion-mnist', 'cifar10:<dir>' (cifar-10-batches-bin or its parent),
 * 'idx:<dir>' (an MNIST-format directory), 'csv:<file>[?<options>]', or the generated
 * 'parity:<bits>', 'xor' and 'letters7x7'. Classification splits
 * hold int class labels `y`; a csv spec with task=regression holds float32 `targets`
 * ([n] for one target column, [n, k] for k). The spec and every option are checked before
 * any file is read; options that do not apply to the spec are refused rather than ignored,
 * so a misdirected one cannot go unnoticed.
 * @throws TypeError/RangeError for a bad spec or option, or a spec of another task than
 *   options.task; what the loaders throw for missing or bad files (errors naming the file).
 */
export function loadDataset(spec: string, options?: LoadOptions & { readonly task?: 'classification' }): Promise<DatasetSplit>;
export function loadDataset(spec: string, options: LoadOptions & { readonly task: 'regression' }): Promise<RegressionSplit>;
export function loadDataset(spec: string, options: LoadOptions): Promise<DatasetSplit | RegressionSplit>;
export async function loadDataset(spec: string, options: LoadOptions = {}): Promise<DatasetSplit | RegressionSplit> {
  const parsed = parseDatasetSpec(spec);
  const owners = { dir: 'fashion-mnist', csv: 'csv', idx: 'idx' } as const;
  for (const [option, owner] of Object.entries(owners) as [keyof typeof owners, string][]) {
    if (options[option] !== undefined && parsed.kind !== owner) throw new RangeError(`option ${option} applies to ${DATASET_SPECS.find((f) => f.startsWith(owner))} only, not to '${spec}'`);
  }
  let task: Task = parsed.task;
  let csv: CsvSpecOptions = {};
  if (parsed.kind === 'csv') {
    const clash = Object.keys(parsed.csv).find((key) => options.csv?.[key as keyof CsvSpecOptions] !== undefined);
    if (clash) throw new RangeError(`CSV option ${clash} is given both in the spec '${spec}' and in options.csv`);
    csv = { ...options.csv, ...parsed.csv };
    checkCsvOptions(csv);
    task = csv.task ?? 'classification';
  }
  const expected = options.task ?? 'classification';
  if (expected !== 'classification' && expected !== 'regression') throw new RangeError(`task must be 'classification' or 'regression', got ${JSON.stringify(expected)}`);
  if (task !== expected) throw new RangeError(`dataset '${spec}' is a ${task} dataset, but ${expected} was asked for${task === 'classification' ? ' (a csv spec selects regression with ?task=regression)' : ''}`);
  switch (parsed.kind) {
    case 'mnist':
      return loadMnist();
    case 'fashion-mnist':
      return loadFashionMnist(options.dir);
    case 'cifar10':
      return loadCifar10(parsed.path);
    case 'idx':
      return loadIdx(parsed.path, options.idx);
    case 'csv':
      return loadCsv(parsed.path, { ...csv, ...(options.seed !== undefined && { seed: options.seed }) });
    case 'parity':
      return parity(parsed.bits);
    case 'letters7x7':
      return letters7x7();
  }
}
