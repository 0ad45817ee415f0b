import type { Seed } from '../rng/index.js';
import { loadCifar10 } from './cifar10.js';
import { type CsvOptions, loadCsv } from './csv.js';
import type { DatasetSplit } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { type IdxOptions, loadIdx } from './idx.js';
import { loadMnist } from './mnist.js';

/** The dataset spec forms, for help texts. */
export const DATASET_SPECS: readonly string[] = Object.freeze(['mnist', 'fashion-mnist', 'cifar10:<dir>', 'idx:<dir>', 'csv:<file>']);

export interface LoadOptions {
  /** Seed of the CSV train/test split (default 0). MNIST's split is fixed; CIFAR-10 and IDX directories come split. */
  readonly seed?: Seed;
  /** fashion-mnist only: the directory of its IDX files (default /usr/share/datasets/fashion-mnist). */
  readonly dir?: string;
  /** csv:<file> only. */
  readonly csv?: Omit<CsvOptions, 'seed'>;
  /** idx:<dir> only. */
  readonly idx?: Pick<IdxOptions, 'classes' | 'classNames'>;
}

/**
 * Loads the train/test split a spec names: 'mnist' (embedded 8,000/2,000), 'fashion-mnist',
 * 'cifar10:<dir>' (cifar-10-batches-bin or its parent), 'idx:<dir>' (an MNIST-format directory)
 * or 'csv:<file>'. Options that do not apply to the spec are refused rather than ignored, so a
 * misdirected one cannot go unnoticed.
 */
export async function loadDataset(spec: string, options: LoadOptions = {}): Promise<DatasetSplit> {
  if (typeof spec !== 'string') throw new TypeError(`spec must be a string, got ${typeof spec}`);
  const colon = spec.indexOf(':');
  const path = spec.slice(colon + 1);
  const kind = colon < 0 ? spec : spec.slice(0, colon + 1);
  const form = DATASET_SPECS.find((f) => f.replace(/<\w+>$/, '') === kind);
  if (!form || (colon >= 0 && path === '')) throw new RangeError(`dataset spec must be one of ${DATASET_SPECS.join(', ')}, got '${spec}'`);
  for (const [option, owner] of [['dir', 'fashion-mnist'], ['csv', 'csv:<file>'], ['idx', 'idx:<dir>']] as const) {
    if (options[option] !== undefined && form !== owner) throw new RangeError(`option ${option} applies to ${owner} only, not to '${spec}'`);
  }
  switch (form) {
    case 'mnist':
      return loadMnist();
    case 'fashion-mnist':
      return loadFashionMnist(options.dir);
    case 'cifar10:<dir>':
      return loadCifar10(path);
    case 'idx:<dir>':
      return loadIdx(path, options.idx);
    default:
      return loadCsv(path, { ...options.csv, ...(options.seed !== undefined && { seed: options.seed }) });
  }
}
