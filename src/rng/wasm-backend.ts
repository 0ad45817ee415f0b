/**
 * Loads the WebAssembly SIMD kernel (wasm-kernel.wat): noise streamed through a chunk in
 * its memory, small enough to stay in cache, into the caller's array; and the arithmetic
 * kernels on slots in the same memory, so noise drawn there is used where it lies.
 */
import { GAUSSIAN_CONSTANTS } from './gaussian.js';
import { elementsPerGroup, type NoiseBackend } from './scalar-backend.js';
import { Domain } from './stream.js';
import { CHUNK, SLOTS, type VectorBackend, drawInto } from './vector.js';
import { WASM_KERNEL_BASE64 } from './wasm-kernel-bytes.js';

// Memory layout fixed by wasm-kernel.wat.
const ACC_BYTE_OFFSET = 64;
const WORDS_BYTE_OFFSET = 1024;
const CHUNK_BYTE_OFFSET = 2048;
const CHUNK_ELEMENTS = 4096;
const SLOTS_BYTE_OFFSET = 18432;
const BLOCKS_PER_BATCH = 16;

interface Kernel {
  philox(dst: number, batches: number, ctrLo: number, ctrHi: number, domain: Domain, key0: number, key1: number): void;
  gaussian(ptr: number, units: number, scale: number): void;
  uniform(ptr: number, vectors: number): void;
  rademacher(src: number, dst: number, words: number, scale: number): void;
  scale(p: number, n: number, f: number): void;
  axpy(y: number, x: number, n: number, a: number): void;
  addScaled(theta: number, u: number, n: number, f: number): void;
  binary(dst: number, a: number, b: number, n: number, op: 0 | 1 | 2): void;
  clamp(p: number, n: number, lo: number, hi: number): void;
  adam(u: number, mu: number, nu: number, n: number, b1: number, b1c: number, b2: number, b2c: number, c1: number, c2: number, eps: number): void;
  momentum(u: number, trace: number, n: number, beta: number, nesterov: number): void;
  sumSquares(p: number, n: number, acc: number): number;
  finite(p: number, n: number): number;
  applied(theta: number, o: number, n: number, first: number, central: number, plus: number, minus: number): void;
  pair(plus: number, minus: number, theta: number, o: number, n: number): void;
}

/**
 * Compiles synchronously (the module is a few KB; Chromium allows 8 MiB on the main thread,
 * 4 KB before 2025). Returns undefined where WebAssembly or its SIMD proposal is
 * unavailable or a browser refuses the synchronous compile: callers then get the
 * TypeScript kernel, which gives the same bits.
 */
export function loadWasmKernel(): { readonly noise: NoiseBackend; readonly vector: VectorBackend } | undefined {
  let instance: WebAssembly.Instance;
  try {
    const bytes = Uint8Array.from(atob(WASM_KERNEL_BASE64), (c) => c.charCodeAt(0));
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  } catch {
    return undefined;
  }
  const kernel = instance.exports as unknown as Kernel;
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  new Float32Array(memory.buffer, 0, GAUSSIAN_CONSTANTS.length).set(GAUSSIAN_CONSTANTS);
  const chunk = new Float32Array(memory.buffer, CHUNK_BYTE_OFFSET, CHUNK_ELEMENTS);

  const noise: NoiseBackend = {
    name: 'wasm-simd',
    fill(domain, out, offset, k0, k1, scale) {
      // The kernel works in batches of 16 blocks; skip the head of the first batch.
      const perBatch = (BLOCKS_PER_BATCH / 4) * elementsPerGroup(domain);
      let batch = Math.floor(offset / perBatch);
      let skip = offset - batch * perBatch;
      for (let i = 0; i < out.length; ) {
        const batches = Math.min(CHUNK_ELEMENTS / perBatch, Math.ceil((skip + out.length - i) / perBatch));
        const block = BLOCKS_PER_BATCH * batch;
        const words = 4 * BLOCKS_PER_BATCH * batches;
        const ctrHi = Math.floor(block / 0x1_0000_0000);
        if (domain === Domain.Rademacher) {
          kernel.philox(WORDS_BYTE_OFFSET, batches, block >>> 0, ctrHi, domain, k0, k1);
          kernel.rademacher(WORDS_BYTE_OFFSET, CHUNK_BYTE_OFFSET, words, scale);
        } else {
          kernel.philox(CHUNK_BYTE_OFFSET, batches, block >>> 0, ctrHi, domain, k0, k1);
          if (domain === Domain.Gaussian) kernel.gaussian(CHUNK_BYTE_OFFSET, words / 8, scale);
          else kernel.uniform(CHUNK_BYTE_OFFSET, words / 4);
        }
        const take = Math.min(batches * perBatch - skip, out.length - i);
        out.set(chunk.subarray(skip, skip + take), i);
        i += take;
        skip = 0;
        batch += batches;
      }
    },
  };

  const at = (slot: number) => SLOTS_BYTE_OFFSET + 4 * CHUNK * slot;
  // Past the slots: where `applied` writes the copies a caller did not ask for.
  const [unwantedPlus, unwantedMinus] = [at(SLOTS), at(SLOTS + 1)];
  const slots = Array.from({ length: SLOTS }, (_, i) => new Float32Array(memory.buffer, at(i), CHUNK));
  const acc = new Float64Array(memory.buffer, ACC_BYTE_OFFSET, 8);
  const vector: VectorBackend = {
    name: 'wasm-simd',
    slots,
    scale: (p, n, f) => kernel.scale(at(p), n, f),
    axpy: (y, x, n, a) => kernel.axpy(at(y), at(x), n, a),
    addScaled: (theta, u, n, f) => kernel.addScaled(at(theta), at(u), n, f),
    add: (dst, a, b, n) => kernel.binary(at(dst), at(a), at(b), n, 0),
    sub: (dst, a, b, n) => kernel.binary(at(dst), at(a), at(b), n, 1),
    mul: (dst, a, b, n) => kernel.binary(at(dst), at(a), at(b), n, 2),
    clamp: (p, n, lo, hi) => kernel.clamp(at(p), n, lo, hi),
    adam: (u, mu, nu, n, b1, b2, c1, c2, eps) => kernel.adam(at(u), at(mu), at(nu), n, b1, 1 - b1, b2, 1 - b2, c1, c2, eps),
    momentum: (u, trace, n, beta, nesterov) => kernel.momentum(at(u), at(trace), n, beta, nesterov ? 1 : 0),
    sumSquares: (p, n, sum) => kernel.sumSquares(at(p), n, sum),
    finite: (p, n) => kernel.finite(at(p), n) === 1,
    applied(theta, o, n, first, central, sums, copies) {
      acc.set(sums);
      kernel.applied(at(theta), at(o), n, first, central ? 1 : 0, copies ? at(copies.plus) : unwantedPlus, copies ? at(copies.minus) : unwantedMinus);
      sums.set(acc);
    },
    pair: (plus, minus, theta, o, n) => kernel.pair(at(plus), at(minus), at(theta), at(o), n),
    noise: (p, domain, n, offset, k0, k1, scale) => drawInto(noise, slots[p]!, domain, n, offset, k0, k1, scale),
  };
  return { noise, vector };
}
