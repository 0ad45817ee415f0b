import type { Batch } from '../../data/batches.js';
import type { ParamLayout } from '../../nn/params.js';
import { type SparsityPattern, checkPattern, densityMask, magnitudes, maskedParams, nmMask } from '../../sparse/masks.js';
import { pruneAndRegrow, prunedDensity, regrowFraction } from '../../sparse/schedule.js';
import type { StepHook } from '../step.js';

/** The hook's name: its state is checkpointed as `hook:subnets`. */
export const SUBNETS_HOOK = 'subnets';

/** The sub-nets' masks, 0/1 over θ, one per sub-net: plain data, checkpointed with the run. */
export type SubnetsState = { readonly masks: readonly Float32Array[] };

/** A gradient of the loss over all of θ (pruned entries included) at `params`, from any estimator, with the queries it cost. */
export type DenseGradient = (params: Float32Array, batch: Batch, step: number) => Promise<{ readonly grad: Float32Array; readonly queries: number }>;

export interface SubnetsOptions {
  readonly layout: ParamLayout;
  /** One pattern per sub-net: densities (0.1, 0.05, 0.02) or N:M (2:4, 1:4, 1:8). One pattern is plain sparse training. */
  readonly patterns: readonly SparsityPattern[];
  /** Parameter-name globs the masks cover (default: every weight of rank ≥ 2; biases stay dense). */
  readonly params?: string;
  /** Steps in the plan: the prune-and-regrow fraction decays over them. */
  readonly totalSteps: number;
  /** Masks are updated every this many steps, sub-net k's shifted by ⌊k · every / K⌋ (AST: 999 and 300). */
  readonly every: number;
  /** Step at which density sub-nets reach their densities (cubic ramp from dense); 0: sparse (by |θ| at init) from the start. */
  readonly rampEnd: number;
  /** The gradient that picks regrown weights; without it, density masks are only pruned by magnitude. */
  readonly gradient?: DenseGradient;
}

/**
 * AST's sub-nets (Yang, Meng, Seo, Fan, NeurIPS 2022): K sparse sub-nets share one θ and
 * step t trains sub-net t mod K — its forward pass at θ ⊙ Mₖ, its entries alone
 * perturbed and updated — so training K sub-nets costs what training one costs. With
 * one pattern it is plain sparse training.
 *
 * Masks (checkpointed): density sub-nets start dense and are pruned by global |θ| to
 * d + (1 − d)(1 − p)³ by `rampEnd`, and at each mask update a cosine-decayed fraction
 * (0.5 → 0.005) of each layer's weights is swapped for the missing ones of largest
 * |gradient| at θ ⊙ Mₖ (prune and regrow; the gradient from any estimator, its queries
 * counted). N:M sub-nets keep the N largest |θ| of every M inputs, re-chosen at each
 * mask update (weights outside a sub-net keep their values, so its pattern changes
 * only when its own weights shrink below them).
 * @throws RangeError for a pattern the model's shapes cannot take (M not dividing an input axis).
 */
export function subnetsHook(options: SubnetsOptions): StepHook<SubnetsState> {
  const { layout, patterns, totalSteps, every, rampEnd, gradient } = options;
  if (patterns.length === 0) throw new RangeError('subnets needs at least one sparsity pattern');
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`every must be a positive integer, got ${every}`);
  if (!(rampEnd >= 0)) throw new RangeError(`rampEnd must be ≥ 0, got ${rampEnd}`);
  const entries = maskedParams(layout, options.params);
  for (const p of patterns) checkPattern(p, entries);
  const k = patterns.length;
  const shift = patterns.map((_, i) => Math.floor((i * every) / k));

  const initial = (p: SparsityPattern, theta: Float32Array): Float32Array => {
    if (p.kind === 'n:m') return nmMask(layout, entries, magnitudes(theta), p.n, p.m);
    return rampEnd > 0 ? new Float32Array(layout.size).fill(1) : densityMask(layout, entries, magnitudes(theta), p.density);
  };

  return {
    name: SUBNETS_HOOK,
    init: (params) => ({ masks: patterns.map((p) => initial(p, params)) }),
    subnet: (state, step) => state.masks[step % k]!,
    async afterUpdate(state, context) {
      const done = context.step + 1;
      const theta = context.params;
      let queries = 0;
      const masks = [...state.masks];
      for (let i = 0; i < k; i++) {
        if (done % every !== shift[i]) continue;
        const p = patterns[i]!;
        if (p.kind === 'n:m') {
          masks[i] = nmMask(layout, entries, magnitudes(theta), p.n, p.m);
          continue;
        }
        let mask = densityMask(layout, entries, magnitudes(theta), prunedDensity(p.density, done, rampEnd), masks[i]);
        if (gradient) {
          const dense = await gradient(theta.map((v, j) => v * mask[j]!), context.batch, context.step);
          queries += dense.queries;
          mask = pruneAndRegrow(layout, entries, mask, theta, dense.grad, regrowFraction(done, totalSteps));
        }
        masks[i] = mask;
      }
      return { state: masks.some((m, i) => m !== state.masks[i]) ? { masks } : state, queries };
    },
  };
}
