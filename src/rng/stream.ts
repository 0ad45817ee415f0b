/**
 * How noise streams map onto Philox: the 64-bit seed is the key, and counter
 * (block low word, block high word, domain, 0) names block `block` of one kind of
 * noise. Distinct domains make Gaussian, Rademacher and uniform streams of one seed
 * independent, and deriveSeed's hashing can never collide with a noise block.
 */
import { philoxBlock } from './philox.js';

export type Seed = number | bigint;

/** Counter word 2 of every block: which kind of noise (or seed derivation) it feeds. */
export const enum Domain {
  Uniform = 1,
  Gaussian = 2,
  Rademacher = 3,
  Derive = 4,
}

const TWO_POW_32 = 0x1_0000_0000;
const MAX_SEED = (1n << 64n) - 1n;

/** Validates a 64-bit value given as a safe integer or bigint and splits it into uint32 [low, high]. */
export function seedWords(value: Seed, name: string): [number, number] {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a non-negative safe integer or a bigint below 2^64, got ${value}`);
    }
    return [value >>> 0, Math.floor(value / TWO_POW_32)];
  }
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_SEED) throw new RangeError(`${name} must be in [0, 2^64 - 1], got ${value}`);
    return [Number(value & 0xffffffffn), Number(value >> 32n)];
  }
  throw new TypeError(`${name} must be a number or a bigint, got ${typeof value}`);
}

/**
 * Derives an independent 64-bit seed, e.g. deriveSeed(runSeed, layer, step, direction).
 * Each id is hashed in turn as Philox(counter (id low, id high, Domain.Derive, 0), key seed),
 * keeping output words 0 and 1: a keyed pseudo-random permutation, so distinct
 * (seed, ids) give unrelated seeds, and ids (a) and (a, 0) differ.
 */
export function deriveSeed(seed: Seed, ...streamIds: Seed[]): bigint {
  let [k0, k1] = seedWords(seed, 'seed');
  const block = new Uint32Array(4);
  streamIds.forEach((id, i) => {
    const [lo, hi] = seedWords(id, `streamIds[${i}]`);
    philoxBlock(block, 0, lo, hi, Domain.Derive, 0, k0, k1);
    k0 = block[0]!;
    k1 = block[1]!;
  });
  return (BigInt(k1) << 32n) | BigInt(k0);
}
