import { type RegressionSplit, createRegressionDataset } from './dataset.js';

/** Most input bits of a parity dataset: 2^16 examples. */
export const MAX_PARITY_BITS = 16;

/**
 * n-bit parity, the benchmark of the MGD papers (McCaughan et al. 2023): all 2ⁿ inputs in
 * {0, 1}ⁿ (example i holds the bits of i, most significant first), target 1 when an odd
 * number of bits is set, else 0 (float32 [2ⁿ, 1], for an MSE objective). The task is to
 * fit the whole table, so train and test are the same examples. XOR is 2-bit parity.
 * @throws RangeError for n outside [1, 16].
 */
export function parity(bits: number): RegressionSplit {
  if (!Number.isSafeInteger(bits) || bits < 1 || bits > MAX_PARITY_BITS) throw new RangeError(`parity takes 1 to ${MAX_PARITY_BITS} bits, got ${bits}`);
  const size = 2 ** bits;
  const x = new Float32Array(size * bits);
  const targets = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let ones = 0;
    for (let b = 0; b < bits; b++) {
      const bit = (i >> (bits - 1 - b)) & 1;
      x[i * bits + b] = bit;
      ones += bit;
    }
    targets[i] = ones % 2;
  }
  const dataset = createRegressionDataset({ name: bits === 2 ? 'xor' : `parity:${bits}`, inputShape: [bits], targetShape: [1], targetNames: ['parity'], x, targets });
  return { train: dataset, test: dataset };
}
