/**
 * Pure TypeScript noise: the reference the WebAssembly kernel reproduces bit for bit,
 * and the fallback where WebAssembly SIMD is missing.
 *
 * Layout. Philox blocks come in groups of four, and a group's 16 words are taken in the
 * order a 4-lane SIMD kernel holds them: word q of the stream is word ⌊q/4⌋ mod 4 of
 * block 4⌊q/16⌋ + q mod 4. Uniform element j is word j; Rademacher element j is bit
 * j mod 32 of word ⌊j/32⌋; Gaussian elements 8p + i and 8p + 4 + i (i < 4) are the
 * cos and sin halves of the Box–Muller pair of words 8p + i (radius) and 8p + 4 + i (angle).
 */
import { gaussianPair } from './gaussian.js';
import { philoxBlock } from './philox.js';
import { Domain } from './stream.js';

export type NoiseArray = Float32Array | Float64Array;

export interface NoiseBackend {
  readonly name: 'wasm-simd' | 'scalar';
  /** Fills out with elements offset.. of stream (k0, k1, domain); scale is a float32 value. */
  fill(domain: Domain, out: NoiseArray, offset: number, k0: number, k1: number, scale: number): void;
}

/** Elements drawn from one group of four Philox blocks. */
export const elementsPerGroup = (domain: Domain): number => (domain === Domain.Rademacher ? 512 : 16);

const block = new Uint32Array(4);

function philoxGroup(words: Uint32Array, group: number, domain: Domain, k0: number, k1: number): void {
  for (let lane = 0; lane < 4; lane++) {
    const counter = 4 * group + lane;
    philoxBlock(block, 0, counter >>> 0, Math.floor(counter / 0x1_0000_0000), domain, 0, k0, k1);
    for (let slot = 0; slot < 4; slot++) words[4 * slot + lane] = block[slot]!;
  }
}

function expandGroup(domain: Domain, words: Uint32Array, values: Float32Array, scale: number): void {
  if (domain === Domain.Gaussian) {
    for (let i = 0; i < 4; i++) {
      gaussianPair(values, i, 4 + i, words[i]!, words[4 + i]!, scale);
      gaussianPair(values, 8 + i, 12 + i, words[8 + i]!, words[12 + i]!, scale);
    }
  } else if (domain === Domain.Uniform) {
    for (let i = 0; i < 16; i++) values[i] = (words[i]! >>> 8) * 2 ** -24;
  } else {
    for (let i = 0; i < 512; i++) values[i] = (words[i >>> 5]! >>> (i & 31)) & 1 ? -scale : scale;
  }
}

export const scalarBackend: NoiseBackend = {
  name: 'scalar',
  fill(domain, out, offset, k0, k1, scale) {
    const perGroup = elementsPerGroup(domain);
    const words = new Uint32Array(16);
    const values = new Float32Array(perGroup);
    let group = Math.floor(offset / perGroup);
    let skip = offset - group * perGroup;
    for (let i = 0; i < out.length; group++) {
      philoxGroup(words, group, domain, k0, k1);
      expandGroup(domain, words, values, scale);
      const take = Math.min(perGroup - skip, out.length - i);
      for (let j = 0; j < take; j++) out[i + j] = values[skip + j]!;
      i += take;
      skip = 0;
    }
  },
};
