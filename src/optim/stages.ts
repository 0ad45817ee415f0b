import { CHUNK, type ChunkSource, type VectorBackend, vectorKernel } from '../rng/index.js';

/**
 * One elementwise step of an update u (the gradient transformed so far), over the
 * per-parameter buffers it names. An optimiser made of stages runs as one fused pass of
 * the per-parameter kernel: each chunk of θ, the gradient and the optimiser's buffers is
 * loaded once, goes through every stage in L1, and is written back — no chain of loops
 * over P. Each stage's arithmetic is its transformation's, bit for bit.
 */
export type Stage =
  /** u ← u·factor (float64 factor). */
  | { readonly kind: 'scale'; readonly factor: number }
  /** u ← u + factor·θ. */
  | { readonly kind: 'add-params'; readonly factor: number }
  /** u ← u·mask. */
  | { readonly kind: 'mask'; readonly mask: Float32Array }
  /** u ← clamp(u, −maxAbs, maxAbs). */
  | { readonly kind: 'clamp'; readonly maxAbs: number }
  /** u ← u·min(1, maxNorm/‖u‖₂): the one stage that needs all of u first (a reduction pass). */
  | { readonly kind: 'clip-norm'; readonly maxNorm: number }
  | { readonly kind: 'momentum'; readonly trace: Float32Array; readonly beta: number; readonly nesterov: boolean }
  /** Adam with the step's bias corrections c1 = 1/(1 − b1ᵗ), c2 = 1/(1 − b2ᵗ). */
  | { readonly kind: 'adam'; readonly mu: Float32Array; readonly nu: Float32Array; readonly b1: number; readonly b2: number; readonly c1: number; readonly c2: number; readonly eps: number };

// Slots: the update, θ, a mask, two state buffers; a chunk source may use the rest.
const U = 0;
const THETA = 1;
const MASK = 2;
const A = 3;
const B = 4;
const SCRATCH = 5;

/** The gradient u: an array, or chunks computed on demand. */
export type Gradient = Float32Array | ChunkSource;

/**
 * Runs `stages` on the gradient, one chunk at a time through the kernel's slots, and
 * writes the result to `target`: 'updates' overwrites the gradient array with u,
 * 'params' applies θ ← θ + u in the same pass. State buffers are updated in place. A
 * clip-norm stage first runs the stages before it, keeping u (in the gradient's array,
 * or a new one for a chunk source) and its sum of squares, then continues from there.
 */
export function runStages(stages: readonly Stage[], gradient: Gradient, params: Float32Array, target: 'updates' | 'params'): void {
  for (const stage of stages) {
    if (stage.kind === 'mask' && stage.mask.length !== params.length) throw new RangeError(`mask has length ${stage.mask.length}, the updates ${params.length}`);
  }
  const kernel = vectorKernel();
  const clip = stages.findIndex((s) => s.kind === 'clip-norm');
  if (clip < 0) {
    pass(kernel, stages, gradient, params, target === 'params' ? 'params' : (gradient as Float32Array), false);
    return;
  }
  const kept = gradient instanceof Float32Array ? gradient : new Float32Array(gradient.length);
  const sumSquares = pass(kernel, stages.slice(0, clip), gradient, params, kept, true);
  const { maxNorm } = stages[clip] as Extract<Stage, { kind: 'clip-norm' }>;
  const norm = Math.sqrt(sumSquares);
  runStages([...(norm > maxNorm ? [{ kind: 'scale', factor: maxNorm / norm } as const] : []), ...stages.slice(clip + 1)], kept, params, target);
}

/** One pass over the chunks: u through the stages into θ (θ ← θ + u) or into an array; returns Σ u² of what it wrote, with `reduce`. */
function pass(kernel: VectorBackend, stages: readonly Stage[], gradient: Gradient, params: Float32Array, into: Float32Array | 'params', reduce: boolean): number {
  const { slots } = kernel;
  // A last scaling (SGD's −lr) goes into θ ← θ + u in the same kernel pass.
  const last = stages.at(-1);
  const folded = into === 'params' && last?.kind === 'scale' ? last.factor : undefined;
  const inner = folded === undefined ? stages : stages.slice(0, -1);
  let sumSquares = 0;
  for (let start = 0; start < params.length; start += CHUNK) {
    const n = Math.min(CHUNK, params.length - start);
    const end = start + n;
    if (gradient instanceof Float32Array) slots[U]!.set(gradient.subarray(start, end));
    else gradient.fill(kernel, U, start, n, SCRATCH);
    let theta = false;
    const loadTheta = () => {
      if (!theta) slots[THETA]!.set(params.subarray(start, end));
      theta = true;
    };
    for (const stage of inner) {
      switch (stage.kind) {
        case 'scale':
          kernel.scale(U, n, stage.factor);
          break;
        case 'add-params':
          loadTheta();
          kernel.axpy(U, THETA, n, stage.factor);
          break;
        case 'mask':
          slots[MASK]!.set(stage.mask.subarray(start, end));
          kernel.mul(U, U, MASK, n);
          break;
        case 'clamp':
          kernel.clamp(U, n, -stage.maxAbs, stage.maxAbs);
          break;
        case 'momentum':
          slots[A]!.set(stage.trace.subarray(start, end));
          kernel.momentum(U, A, n, stage.beta, stage.nesterov);
          stage.trace.set(slots[A]!.subarray(0, n), start);
          break;
        case 'adam':
          slots[A]!.set(stage.mu.subarray(start, end));
          slots[B]!.set(stage.nu.subarray(start, end));
          kernel.adam(U, A, B, n, stage.b1, stage.b2, stage.c1, stage.c2, stage.eps);
          stage.mu.set(slots[A]!.subarray(0, n), start);
          stage.nu.set(slots[B]!.subarray(0, n), start);
          break;
        case 'clip-norm':
          throw new Error('a clip-norm stage must be split off by runStages');
      }
    }
    if (into === 'params') {
      loadTheta();
      if (folded === undefined) kernel.add(THETA, THETA, U, n);
      else kernel.addScaled(THETA, U, n, folded);
      params.set(slots[THETA]!.subarray(0, n), start);
    } else {
      into.set(slots[U]!.subarray(0, n), start);
      if (reduce) sumSquares = kernel.sumSquares(U, n, sumSquares);
    }
  }
  return sumSquares;
}
