import type { ParamEntry, ParamLayout } from '../nn/params.js';
import { magnitudes, topIndices } from './masks.js';

/**
 * Gradual pruning and prune-and-regrow, as AST's unstructured runs schedule them (Yang
 * et al. NeurIPS 2022, code `pruners/sparse.py`): the density falls from 1 to the target
 * by Zhu and Gupta's cubic rule, and at each mask update a cosine-decayed fraction of
 * each layer's kept weights is swapped for the missing ones with the largest gradients
 * (RigL, Evci et al. 2020).
 */

/**
 * Zhu and Gupta's (2017) cubic schedule: d_f + (1 − d_f)(1 − p)³ with p = step / rampEnd
 * (capped at 1): dense at step 0, `final` from `rampEnd` on. rampEnd = 0 is sparse from the start.
 */
export function prunedDensity(final: number, step: number, rampEnd: number): number {
  const p = rampEnd <= 0 ? 1 : Math.min(1, step / rampEnd);
  return final + (1 - final) * (1 - p) ** 3;
}

/** The prune-and-regrow fraction r at `step`: `start` cosine-decayed to `end` over `total` steps (AST: 0.5 to 0.005). */
export function regrowFraction(step: number, total: number, start = 0.5, end = 0.005): number {
  const p = total <= 0 ? 1 : Math.min(1, step / total);
  return end + ((start - end) * (1 + Math.cos(Math.PI * p))) / 2;
}

/**
 * Prune and regrow (RigL's swap, per layer as in AST): in each covered parameter with
 * nnz kept entries, the ⌈r · nnz⌉ kept ones of smallest |θ| are dropped and as many of
 * the entries missing before the swap are regrown, those of largest |gradient|. The
 * density is unchanged. Regrown weights keep their values: AST's sub-nets share θ, so a
 * weight missing from one sub-net may be live in another.
 * @returns a new mask.
 */
export function pruneAndRegrow(layout: ParamLayout, entries: readonly ParamEntry[], mask: Float32Array, theta: Float32Array, grad: Float32Array, fraction: number): Float32Array {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must lie in [0, 1], got ${fraction}`);
  for (const [what, v] of [['mask', mask], ['theta', theta], ['grad', grad]] as const) layout.check(v, what);
  const out = mask.slice();
  const gradient = magnitudes(grad);
  // Smallest |θ| first: topIndices on −|θ|.
  const smallness = magnitudes(theta);
  for (let i = 0; i < smallness.length; i++) smallness[i] = -smallness[i]!;
  for (const e of entries) {
    const kept: number[] = [];
    const missing: number[] = [];
    for (let i = e.offset; i < e.offset + e.size; i++) (mask[i] === 1 ? kept : missing).push(i);
    const swap = Math.min(Math.ceil(fraction * kept.length), missing.length);
    if (swap === 0) continue;
    for (const i of topIndices(kept, smallness, swap)) out[i] = 0;
    for (const i of topIndices(missing, gradient, swap)) out[i] = 1;
  }
  return out;
}
