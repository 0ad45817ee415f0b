/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
 * the counter-based generator behind every noise stream: block n of a stream is
 * philox(counter n, key seed), so any element can be regenerated without state.
 * This is the scalar reference; the WebAssembly kernel computes the same function.
 */

// Multipliers and Weyl key increments from Random123's philox.h.
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/** High 32 bits of the 64-bit product a·m, exact in doubles by splitting m into 16-bit halves. */
function mulHi(a: number, m: number): number {
  return Math.floor((a * (m >>> 16) + Math.floor((a * (m & 0xffff)) / 0x10000)) / 0x10000);
}

/** Writes philox4x32-10(counter, key) to out[at..at+3]; arguments are uint32 words, unchecked. */
export function philoxBlock(
  out: Uint32Array,
  at: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
): void {
  for (let round = 0; round < ROUNDS; round++) {
    const hi0 = mulHi(c0, M0);
    const lo0 = Math.imul(c0, M0) >>> 0;
    const hi1 = mulHi(c2, M1);
    const lo1 = Math.imul(c2, M1) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[at] = c0;
  out[at + 1] = c1;
  out[at + 2] = c2;
  out[at + 3] = c3;
}

function checkWords(words: ArrayLike<number>, length: number, name: string): void {
  if (words.length !== length) throw new RangeError(`${name} must have ${length} words, got ${words.length}`);
  for (let i = 0; i < length; i++) {
    const w = words[i]!;
    if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) {
      throw new RangeError(`${name}[${i}] must be a uint32, got ${w}`);
    }
  }
}

/** Philox4x32-10 of a 4-word counter under a 2-word key, as in Random123's kat_vectors. */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>): Uint32Array {
  checkWords(counter, 4, 'counter');
  checkWords(key, 2, 'key');
  const out = new Uint32Array(4);
  philoxBlock(out, 0, counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!);
  return out;
}
