import { deriveSeed, type Seed } from '../rng/index.js';
import { type AnyDataset, type DatasetSplit, classCounts, subset } from './dataset.js';
import { permutation } from './permutation.js';

/** Tags the split stream so it is independent of the shuffling stream of the same seed. */
const SPLIT_STREAM = 0x73706c74; // 'splt'

export interface SplitOptions {
  readonly seed: Seed;
  /** Fraction of the examples that go to the test split, in (0, 1) (default 0.2). */
  readonly testFraction?: number;
}

/**
 * A seeded stratified train/test split named '<name>/train' and '<name>/test'. The test
 * split takes round(size·testFraction) examples, each class contributing its share
 * (largest-remainder rounding), chosen uniformly at random. Both splits list their
 * examples in a seeded random order, so neither is grouped by class. A regression dataset
 * is one stratum: its test examples are a uniformly random subset.
 * @throws RangeError when testFraction is outside (0, 1) or leaves a split empty.
 */
export function stratifiedSplit<D extends AnyDataset>(dataset: D, { seed, testFraction = 0.2 }: SplitOptions): DatasetSplit<D> {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const testSize = Math.round(dataset.size * testFraction);
  if (testSize === 0 || testSize === dataset.size) {
    throw new RangeError(`testFraction ${testFraction} of the ${dataset.size} examples of '${dataset.name}' leaves the ${testSize ? 'train' : 'test'} split empty`);
  }
  const stratum = dataset.task === 'regression' ? new Int32Array(dataset.size) : dataset.y;
  const quotas = testQuotas(dataset.task === 'regression' ? [dataset.size] : classCounts(dataset), testSize);
  // Membership and order come from two independent permutations: listing the splits in the
  // membership order would put the classes whose quota fills first at the head of train.
  const inTest = new Uint8Array(dataset.size);
  for (const i of permutation(dataset.size, deriveSeed(seed, SPLIT_STREAM, 0))) {
    const label = stratum[i]!;
    if (quotas[label]! > 0) {
      quotas[label]!--;
      inTest[i] = 1;
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const i of permutation(dataset.size, deriveSeed(seed, SPLIT_STREAM, 1))) (inTest[i] ? test : train).push(i);
  return { train: subset(dataset, train, `${dataset.name}/train`), test: subset(dataset, test, `${dataset.name}/test`) };
}

/** Per-class test counts summing to `total`: floors of the exact shares, plus one for the largest remainders. */
function testQuotas(counts: readonly number[], total: number): number[] {
  const size = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((n) => (n * total) / size);
  const quotas = exact.map(Math.floor);
  const byRemainder = counts.map((_, c) => c).sort((a, b) => exact[b]! - quotas[b]! - (exact[a]! - quotas[a]!) || a - b);
  const missing = total - quotas.reduce((a, b) => a + b, 0);
  for (const c of byRemainder.slice(0, missing)) quotas[c]!++;
  return quotas;
}
