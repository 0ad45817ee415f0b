import { fillUniform } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type RegressionDataset, type RegressionSplit, createRegressionDataset } from './dataset.js';

/** The four letters, 7×7, '#' = 1. */
const TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  N: ['#.....#', '##....#', '#.#...#', '#..#..#', '#...#.#', '#....##', '#.....#'],
  I: ['.#####.', '...#...', '...#...', '...#...', '...#...', '...#...', '.#####.'],
  S: ['.#####.', '#......', '#......', '.#####.', '......#', '......#', '.#####.'],
  T: ['#######', '...#...', '...#...', '...#...', '...#...', '...#...', '...#...'],
};

export const LETTERS = Object.freeze(Object.keys(TEMPLATES));

/** Seed of the fixed letter set: the same examples on every machine. */
export const LETTERS_SEED = 0x6e697374; // 'nist'

export interface LettersOptions {
  /** Examples per letter in each split (default 50). */
  readonly perClass?: number;
  /** Probability that a pixel is flipped (default 0.1). */
  readonly flip?: number;
  readonly seed?: Seed;
}

/**
 * A 7×7 four-letter set in the spirit of the MGD papers' NIST7×7 (McCaughan et al. 2023),
 * whose data file is not public: noisy copies of the letters N, I, S, T, each pixel of
 * the template flipped with probability `flip`. Inputs [1, 7, 7] in {0, 1}; targets
 * one-hot float32 [n, 4] (an MSE objective, correct when every output is on the right
 * side of 0.5). Train and test are drawn independently from the seed. A reconstruction:
 * the letters, the noise and the sizes are ours.
 * @throws RangeError for a perClass that is not a positive integer or a flip outside [0, 0.5).
 */
export function letters7x7({ perClass = 50, flip = 0.1, seed = LETTERS_SEED }: LettersOptions = {}): RegressionSplit {
  if (!Number.isSafeInteger(perClass) || perClass < 1) throw new RangeError(`perClass must be a positive integer, got ${perClass}`);
  if (!(flip >= 0 && flip < 0.5)) throw new RangeError(`flip must be a probability in [0, 0.5), got ${flip}`);
  const split = (part: number): RegressionDataset => {
    const n = perClass * LETTERS.length;
    const x = new Float32Array(n * 49);
    const targets = new Float32Array(n * LETTERS.length);
    const u = new Float32Array(49);
    for (let i = 0; i < n; i++) {
      const letter = i % LETTERS.length;
      fillUniform(u, deriveSeed(seed, part), i * 49);
      TEMPLATES[LETTERS[letter]!]!.join('').split('').forEach((c, p) => (x[i * 49 + p] = (c === '#') !== u[p]! < flip ? 1 : 0));
      targets[i * LETTERS.length + letter] = 1;
    }
    return createRegressionDataset({ name: `letters7x7 ${part === 0 ? 'train' : 'test'}`, inputShape: [1, 7, 7], targetShape: [LETTERS.length], targetNames: LETTERS, x, targets });
  };
  return { train: split(0), test: split(1) };
}
