/**
 * Loads the WebAssembly SIMD kernel (wasm-kernel.wat) and streams its output through a
 * chunk in its memory, small enough to stay in cache, into the caller's array.
 */
import { GAUSSIAN_CONSTANTS } from './gaussian.js';
import { elementsPerGroup, type NoiseBackend } from './scalar-backend.js';
import { Domain } from './stream.js';
import { WASM_KERNEL_BASE64 } from './wasm-kernel-bytes.js';

// Memory layout fixed by wasm-kernel.wat.
const WORDS_BYTE_OFFSET = 1024;
const CHUNK_BYTE_OFFSET = 2048;
const CHUNK_ELEMENTS = 4096;
const BLOCKS_PER_BATCH = 16;

interface Kernel {
  philox(dst: number, batches: number, ctrLo: number, ctrHi: number, domain: Domain, key0: number, key1: number): void;
  gaussian(ptr: number, units: number, scale: number): void;
  uniform(ptr: number, vectors: number): void;
  rademacher(src: number, dst: number, words: number, scale: number): void;
}

/**
 * Compiles synchronously (the module is under the 4 KB browsers allow on the main thread).
 * Returns undefined where WebAssembly or its SIMD proposal is unavailable.
 */
export function loadWasmBackend(): NoiseBackend | undefined {
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

  return {
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
}
