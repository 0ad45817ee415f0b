/**
 * The per-parameter kernel's arithmetic: elementwise steps of optimisers and estimators
 * on chunks of float32 arrays. Arrays stream through a few fixed chunk buffers (slots),
 * CHUNK elements each, small enough to stay in L1; the loops over θ that drive them live
 * with their users (optimiser stages, noise directions). Two backends produce identical
 * bits: the WebAssembly SIMD kernel (slots in its memory) and this TypeScript reference
 * (scalar-vector.ts). Float32 values meet float64 factors as TypeScript's Float32Array
 * arithmetic has them meet: promoted, combined in float64, rounded once on the store.
 */
import type { NoiseBackend } from './scalar-backend.js';
import { Domain, type Seed, seedWords } from './stream.js';

/** Elements per slot. */
export const CHUNK = 4096;
/** Slots per backend. */
export const SLOTS = 8;

/**
 * Kernels over slots (indices < SLOTS) and the first n ≤ CHUNK elements of each. Values
 * past n may change; results past n are never meaningful.
 */
export interface VectorBackend {
  readonly name: 'wasm-simd' | 'scalar';
  /** The slots, CHUNK elements each: load a chunk with `set`, read results with `subarray`. */
  readonly slots: readonly Float32Array[];
  /** p ← p·f. */
  scale(p: number, n: number, f: number): void;
  /** y ← y + a·x. */
  axpy(y: number, x: number, n: number, a: number): void;
  /** θ ← θ + fl32(u·f): `scale` then `add` in one pass, slot u left as it was. */
  addScaled(theta: number, u: number, n: number, f: number): void;
  /** dst ← a + b (float32). */
  add(dst: number, a: number, b: number, n: number): void;
  /** dst ← a − b (float32). */
  sub(dst: number, a: number, b: number, n: number): void;
  /** dst ← a·b (float32). */
  mul(dst: number, a: number, b: number, n: number): void;
  /** p ← min(hi, max(lo, p)). */
  clamp(p: number, n: number, lo: number, hi: number): void;
  /** Adam's moments and step (optim/adam.ts), u, μ and ν in place; c1, c2 the bias corrections 1/(1 − bᵗ). */
  adam(u: number, mu: number, nu: number, n: number, b1: number, b2: number, c1: number, c2: number, eps: number): void;
  /** Momentum's trace and step (optim/momentum.ts), u and the trace in place. */
  momentum(u: number, trace: number, n: number, beta: number, nesterov: boolean): void;
  /** acc + Σ p² in element order, in float64. */
  sumSquares(p: number, n: number, acc: number): number;
  /** Whether every value is finite. */
  finite(p: number, n: number): boolean;
  /**
   * The float32 copies' step along an offset o (slot `o`) from θ (slot `theta`): for
   * element i, θ's index first + i, lane j = (first + i) mod 4 gets along[j] += δᵢ·oᵢ and
   * norm[j] += oᵢ², δᵢ = (fl(θᵢ + oᵢ) − fl(θᵢ − oᵢ))/2 (central) or fl(θᵢ + oᵢ) − θᵢ.
   * `acc` holds along[0..3] then norm[0..3] and is updated in place; lanes follow θ's
   * indices, so the sums do not depend on how θ is cut into chunks. With `copies`, the
   * copies it measures are written on the way: fl(θ + o) into slot `plus`, and fl(θ − o)
   * (central) or θ (forward) into slot `minus` — one pass where three would do.
   */
  applied(theta: number, o: number, n: number, first: number, central: boolean, acc: Float64Array, copies?: { readonly plus: number; readonly minus: number }): void;
  /** plus ← θ + o and minus ← θ − o (float32): a central pair's copies in one pass. */
  pair(plus: number, minus: number, theta: number, o: number, n: number): void;
  /** Elements offset… of a noise stream (noise.ts), times a float32 scale, into slot p. */
  noise(p: number, domain: Domain, n: number, offset: number, k0: number, k1: number, scale: number): void;
}

// The last key's words: a step draws chunk after chunk of the same few keys, and splitting
// a bigint key per chunk cost a few percent of an spsa step.
let lastKey: { readonly seed: Seed; readonly words: readonly [number, number] } | undefined;

/** Noise drawn into a slot: Gaussian or Rademacher elements offset … offset + n − 1 of `seed`'s stream, times scale. */
export function noiseInto(kernel: VectorBackend, p: number, gaussian: boolean, seed: Seed, offset: number, n: number, scale: number): void {
  if (lastKey?.seed !== seed) lastKey = { seed, words: seedWords(seed, 'seed') };
  const [k0, k1] = lastKey.words;
  kernel.noise(p, gaussian ? Domain.Gaussian : Domain.Rademacher, n, offset, k0, k1, Math.fround(scale));
}

/** The fraction of the offset the float32 copies took, from `applied`'s sums: along/norm, 1 for a zero offset. */
export function appliedRatio(acc: Float64Array): number {
  const along = acc[0]! + acc[1]! + (acc[2]! + acc[3]!);
  const norm = acc[4]! + acc[5]! + (acc[6]! + acc[7]!);
  return norm > 0 ? along / norm : 1;
}

/** Noise into a slot through a noise backend (both vector backends draw this way). */
export function drawInto(noise: NoiseBackend, slot: Float32Array, domain: Domain, n: number, offset: number, k0: number, k1: number, scale: number): void {
  if (n > 0) noise.fill(domain, slot.subarray(0, n), offset, k0, k1, scale);
}

/**
 * A vector whose chunks are computed on demand, never held whole: a gradient estimate
 * regenerated from its noise directions (MeZO's update without a P-sized buffer).
 * `finite` promises that every element is finite (a bound the producer checked).
 */
export interface ChunkSource {
  readonly length: number;
  readonly finite: boolean;
  /** Writes elements offset … offset + n − 1 into slot `slot` (n ≤ CHUNK), using slots scratch … SLOTS − 1 as it likes. */
  fill(kernel: VectorBackend, slot: number, offset: number, n: number, scratch: number): void;
}
