import { selectByGlobs } from '../nn/glob.js';
import type { ParamEntry, ParamLayout } from '../nn/params.js';

/**
 * Sparsity masks over θ: 0/1 per entry, 1 where a weight is kept. Only the chosen
 * parameters are masked (every weight matrix and convolution filter by default; biases
 * and norms stay dense, as in AST, Yang et al. NeurIPS 2022); entries of the others are 1.
 */

/** A sub-net's sparsity: a fraction of the masked entries kept, or N kept of every M. */
export type SparsityPattern = { readonly kind: 'density'; readonly density: number } | { readonly kind: 'n:m'; readonly n: number; readonly m: number };

/**
 * '0.1' (a density in (0, 1]) or '2:4' (N of every M, 1 ≤ N ≤ M) as a pattern.
 * @throws RangeError naming the text and the valid forms.
 */
export function parsePattern(text: string): SparsityPattern {
  const nm = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (nm) {
    const [n, m] = [Number(nm[1]), Number(nm[2])];
    if (n < 1 || n > m) throw new RangeError(`sparsity '${text}': N:M needs 1 ≤ N ≤ M, got N = ${n}, M = ${m}`);
    return { kind: 'n:m', n, m };
  }
  const density = Number(text);
  if (text.trim() === '' || !Number.isFinite(density)) throw new RangeError(`sparsity '${text}' is neither a density in (0, 1] (0.1) nor an N:M pattern (2:4)`);
  if (!(density > 0 && density <= 1)) throw new RangeError(`sparsity '${text}': a density must lie in (0, 1], got ${density}`);
  return { kind: 'density', density };
}

/** A comma-separated list of patterns ('0.1,0.05,0.02' or '2:4,1:4,1:8'), one per sub-net. */
export function parseSubnets(text: string): SparsityPattern[] {
  return text.split(',').map(parsePattern);
}

export function formatPattern(p: SparsityPattern): string {
  return p.kind === 'density' ? String(p.density) : `${p.n}:${p.m}`;
}

/** The fraction of the masked entries a pattern keeps. */
export function patternDensity(p: SparsityPattern): number {
  return p.kind === 'density' ? p.density : p.n / p.m;
}

/**
 * The parameters a mask covers: those named by `globs` ('layers.*.weight'), or by
 * default every parameter of rank ≥ 2 (matmul weights [in, out], convolution filters
 * [out, in/groups, kh, kw]).
 * @throws RangeError when a glob matches nothing or nothing is left to mask.
 */
export function maskedParams(layout: ParamLayout, globs?: string): ParamEntry[] {
  const entries = globs === undefined ? layout.entries.filter((e) => e.shape.length >= 2) : selectByGlobs(layout.entries.map((e) => e.name), globs, 'sparse parameters').map((n) => layout.get(n));
  if (entries.length === 0) throw new RangeError('no parameter to mask: the model has no weight of rank ≥ 2 (choose parameters by name)');
  return entries;
}

/**
 * The input axis of a weight, along which N:M groups run (as in NVIDIA's 2:4 sparsity
 * and AST's N:M sub-nets): axis 0 of a matmul weight [in, out], axis 1 (input channels,
 * per kernel position) of a convolution filter [out, in/groups, kh, kw].
 */
function inputAxis(e: ParamEntry): number {
  return e.shape.length >= 3 ? 1 : 0;
}

/** Checks that every covered parameter splits into groups of M along its input axis (RangeError naming the parameter). */
export function checkPattern(pattern: SparsityPattern, entries: readonly ParamEntry[]): void {
  if (pattern.kind !== 'n:m') return;
  for (const e of entries) {
    const axis = inputAxis(e);
    const size = e.shape[axis] ?? 1;
    if (e.shape.length < 2 || size % pattern.m !== 0) {
      throw new RangeError(`${pattern.n}:${pattern.m} sparsity needs the input axis of '${e.name}' [${e.shape.join(', ')}] (${e.shape.length < 2 ? 'none' : size}) to be a multiple of ${pattern.m}`);
    }
  }
}

/**
 * Unstructured mask: exactly round(density · n) of the n covered entries kept, those with
 * the largest `scores` over all covered parameters together (global magnitude pruning
 * with |θ| as the scores; Han et al. 2015, Zhu & Gupta 2017). Ties go to the lower index,
 * so the count is exact. `within` restricts the choice to its 1-entries (pruning an
 * existing mask further).
 * @returns a new mask laid out like θ (1 outside the covered parameters).
 */
export function densityMask(layout: ParamLayout, entries: readonly ParamEntry[], scores: Float32Array, density: number, within?: Float32Array): Float32Array {
  if (!(density > 0 && density <= 1)) throw new RangeError(`density must lie in (0, 1], got ${density}`);
  layout.check(scores, 'scores');
  const n = entries.reduce((s, e) => s + e.size, 0);
  const candidates = new Int32Array(n);
  let c = 0;
  for (const e of entries) for (let i = e.offset; i < e.offset + e.size; i++) if (within === undefined || within[i] === 1) candidates[c++] = i;
  const keep = Math.min(c, Math.round(density * n));
  const mask = new Float32Array(layout.size).fill(1);
  for (const e of entries) mask.fill(0, e.offset, e.offset + e.size);
  for (const i of topIndices(candidates.subarray(0, c), scores, keep)) mask[i] = 1;
  return mask;
}

/**
 * N:M mask: in every group of M consecutive entries along a parameter's input axis, the
 * N with the largest scores are kept (Mishra et al. 2021; Zhou et al. 2021, SR-STE).
 * @throws RangeError when an axis is not a multiple of M (see checkPattern).
 */
export function nmMask(layout: ParamLayout, entries: readonly ParamEntry[], scores: Float32Array, n: number, m: number): Float32Array {
  checkPattern({ kind: 'n:m', n, m }, entries);
  layout.check(scores, 'scores');
  const mask = new Float32Array(layout.size).fill(1);
  const group = new Array<number>(m);
  for (const e of entries) {
    const axis = inputAxis(e);
    const inner = e.shape.slice(axis + 1).reduce((a, d) => a * d, 1);
    const along = e.shape[axis]!;
    const outer = e.size / (along * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        for (let g = 0; g < along; g += m) {
          for (let t = 0; t < m; t++) group[t] = e.offset + (o * along + g + t) * inner + j;
          for (const i of group) mask[i] = 0;
          for (const i of topIndices(group, scores, n)) mask[i] = 1;
        }
      }
    }
  }
  return mask;
}

/** The mask of a pattern from scores (|θ| for magnitude masks). */
export function patternMask(layout: ParamLayout, entries: readonly ParamEntry[], pattern: SparsityPattern, scores: Float32Array): Float32Array {
  return pattern.kind === 'density' ? densityMask(layout, entries, scores, pattern.density) : nmMask(layout, entries, scores, pattern.n, pattern.m);
}

/** |θ| as scores. */
export function magnitudes(theta: Float32Array): Float32Array {
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = Math.abs(theta[i]!);
  return out;
}

/** Kept entries over covered entries. */
export function maskDensity(mask: Float32Array, entries: readonly ParamEntry[]): number {
  let kept = 0;
  let n = 0;
  for (const e of entries) {
    for (let i = e.offset; i < e.offset + e.size; i++) kept += mask[i]!;
    n += e.size;
  }
  return kept / n;
}

/**
 * The `count` indices among `candidates` with the largest scores, ties to the lower
 * index (candidates come in increasing order).
 */
export function topIndices(candidates: ArrayLike<number>, scores: Float32Array, count: number): Int32Array {
  const n = candidates.length;
  if (count <= 0) return new Int32Array(0);
  if (count >= n) return Int32Array.from(candidates);
  const values = new Float32Array(n);
  for (let j = 0; j < n; j++) values[j] = scores[candidates[j]!]!;
  values.sort();
  const threshold = values[n - count]!;
  let above = 0;
  for (let j = n - 1; j >= 0 && values[j]! > threshold; j--) above++;
  let ties = count - above;
  const out = new Int32Array(count);
  let k = 0;
  for (let j = 0; j < n; j++) {
    const i = candidates[j]!;
    const s = scores[i]!;
    if (s > threshold || (s === threshold && ties-- > 0)) out[k++] = i;
  }
  return out;
}
