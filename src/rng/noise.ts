/**
 * Public noise API. A stream is named by a seed and addressed by element index, so a
 * perturbation is regenerated from (seed, offset) instead of stored: element i of `out`
 * receives element offset + i of the stream, whatever the chunking. Values are float32
 * (a Float64Array receives the same float32 values) and bit-identical on every platform
 * and on both backends: the WebAssembly SIMD kernel, or pure TypeScript where SIMD is missing.
 */
import { scalarBackend, type NoiseArray, type NoiseBackend } from './scalar-backend.js';
import { scalarVector } from './scalar-vector.js';
import { Domain, seedWords, type Seed } from './stream.js';
import { CHUNK, type ChunkSource, type VectorBackend } from './vector.js';
import { loadWasmKernel } from './wasm-backend.js';

export type { NoiseArray } from './scalar-backend.js';
export type NoiseBackendName = NoiseBackend['name'];

const scalarKernel = { noise: scalarBackend, vector: scalarVector };
const wasmKernel = loadWasmKernel();
let { noise: backend, vector } = wasmKernel ?? scalarKernel;

/** The backend in use: 'wasm-simd' wherever WebAssembly SIMD compiles, else 'scalar'. */
export function noiseBackend(): NoiseBackendName {
  return backend.name;
}

/** The per-parameter arithmetic kernel (vector.ts) of the backend in use. */
export function vectorKernel(): VectorBackend {
  return vector;
}

/**
 * Forces a backend for noise and the per-parameter arithmetic (for benchmarks and tests;
 * results are identical); 'auto' restores the default.
 */
export function setNoiseBackend(name: NoiseBackendName | 'auto'): void {
  if (name === 'scalar') ({ noise: backend, vector } = scalarKernel);
  else if (name === 'auto') ({ noise: backend, vector } = wasmKernel ?? scalarKernel);
  else if (name === 'wasm-simd' && wasmKernel) ({ noise: backend, vector } = wasmKernel);
  else throw new RangeError(`name must be 'wasm-simd' (where available), 'scalar' or 'auto', got ${String(name)}`);
}

function fill(domain: Domain, out: NoiseArray, seed: Seed, offset: number, scale: number): void {
  if (!(out instanceof Float32Array || out instanceof Float64Array)) {
    throw new TypeError('out must be a Float32Array or a Float64Array');
  }
  const [k0, k1] = seedWords(seed, 'seed');
  if (typeof offset !== 'number') throw new TypeError(`offset must be a number, got ${typeof offset}`);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a non-negative safe integer, got ${offset}`);
  }
  if (offset + out.length > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`offset + out.length must not exceed 2^53 - 1, got ${offset} + ${out.length}`);
  }
  if (typeof scale !== 'number') throw new TypeError(`scale must be a number, got ${typeof scale}`);
  const scale32 = Math.fround(scale);
  if (!Number.isFinite(scale32)) throw new RangeError(`scale must be finite in float32, got ${scale}`);
  if (out.length > 0) backend.fill(domain, out, offset, k0, k1, scale32);
}

/** Standard normal noise times scale (Box–Muller on Philox4x32-10, float32-accurate). */
export function fillGaussian(out: NoiseArray, seed: Seed, offset = 0, scale = 1): void {
  fill(Domain.Gaussian, out, seed, offset, scale);
}

/** ±scale with equal probability, one Philox bit per element. */
export function fillRademacher(out: NoiseArray, seed: Seed, offset = 0, scale = 1): void {
  fill(Domain.Rademacher, out, seed, offset, scale);
}

/** Uniform on [0, 1) in steps of 2^-24 (every value exact in float32). */
export function fillUniform(out: NoiseArray, seed: Seed, offset = 0): void {
  fill(Domain.Uniform, out, seed, offset, 1);
}

/** A chunk source's values (vector.ts) written into `out`, a new array by default. */
export function readChunks(source: ChunkSource, out = new Float32Array(source.length)): Float32Array {
  for (let start = 0; start < source.length; start += CHUNK) {
    const n = Math.min(CHUNK, source.length - start);
    source.fill(vector, 0, start, n, 1);
    out.set(vector.slots[0]!.subarray(0, n), start);
  }
  return out;
}

/** Whether every value is finite (no NaN, no ±∞), checked by the kernel a chunk at a time. */
export function allFinite(values: Float32Array): boolean {
  for (let start = 0; start < values.length; start += CHUNK) {
    const n = Math.min(CHUNK, values.length - start);
    vector.slots[0]!.set(values.subarray(start, start + n));
    if (!vector.finite(0, n)) return false;
  }
  return true;
}
