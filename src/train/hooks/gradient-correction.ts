import type { ParamLayout } from '../../nn/params.js';
import { correctGradient } from '../../sparse/correction.js';
import type { StepHook } from '../step.js';

/** The hook's name: its state is checkpointed as `hook:correction`. */
export const CORRECTION_HOOK = 'correction';

/** 'plain': compare with the previous sub-net's gradient; 'ema': compare the sub-nets' gradient EMAs. */
export type CorrectionMode = 'plain' | 'ema';

export const CORRECTION_MODES: readonly CorrectionMode[] = ['plain', 'ema'];

/**
 * The correction's state: the last step's gradient (the previous sub-net's, as the
 * estimator gave it), each sub-net's gradient EMA ('ema' only; empty otherwise), and how
 * many layers have been projected so far (a diagnostic).
 */
export type CorrectionState = { readonly previous: Float32Array; readonly ema: readonly Float32Array[]; readonly projections: number };

export interface GradientCorrectionOptions {
  readonly layout: ParamLayout;
  /** K, the sub-nets trained in turn (step t trains t mod K). */
  readonly subnets: number;
  readonly mode: CorrectionMode;
  /** EMA decay ('ema'; AST's momentum_proj.py: 0.99). */
  readonly beta?: number;
}

/**
 * AST's gradient correction as a step hook (Yang et al. NeurIPS 2022), in the intended
 * form: sub-net k's gradient is compared, per layer, with sub-net k − 1's from the step
 * before, and where their inner product is negative it is projected off it
 * (`correctGradient`). Sub-net 0 opens each group of K steps and is never corrected, so
 * K = 1 is plain sparse training. The public code stores the reference just before
 * comparing (so it compares a gradient with itself and never projects) and its EMA
 * variant shares one EMA across sub-nets; here the reference is the previous step's and
 * each sub-net has its own EMA. In 'ema' mode the conflict is decided by the two EMAs
 * (β = 0.99) and the gradient is projected off the reference EMA (reconstructed: the
 * paper's text was not available). Regrowth and every later hook see the estimator's
 * gradient only through this correction; the stored reference is the uncorrected one.
 */
export function gradientCorrectionHook(options: GradientCorrectionOptions): StepHook<CorrectionState> {
  const { layout, subnets: k, mode, beta = 0.99 } = options;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`subnets must be a positive integer, got ${k}`);
  if (!CORRECTION_MODES.includes(mode)) throw new RangeError(`mode must be one of ${CORRECTION_MODES.join(', ')}; got '${mode}'`);
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`beta must lie in [0, 1), got ${beta}`);
  return {
    name: CORRECTION_HOOK,
    init: (params) => ({ previous: new Float32Array(params.length), ema: mode === 'ema' ? Array.from({ length: k }, () => new Float32Array(params.length)) : [], projections: 0 }),
    afterEstimate(state, estimate, context) {
      const g = estimate.grad;
      if (g === undefined) return { estimate, state };
      const i = context.step % k;
      const mask = context.mask && { mask: context.mask };
      let ema = state.ema;
      let reference = i > 0 ? state.previous : undefined;
      let signal: Float32Array | undefined;
      if (mode === 'ema') {
        const own = state.ema[i]!;
        signal = new Float32Array(own.length);
        for (let j = 0; j < own.length; j++) signal[j] = beta * own[j]! + (1 - beta) * g[j]!;
        ema = state.ema.map((e, j) => (j === i ? signal! : e));
        reference = i > 0 ? state.ema[i - 1] : undefined;
      }
      const previous = g.slice();
      if (reference === undefined) return { estimate, state: { previous, ema, projections: state.projections } };
      const corrected = correctGradient(g, reference, layout, { ...mask, ...(signal && { signal }) });
      return { estimate: { ...estimate, grad: corrected.grad }, state: { previous, ema, projections: state.projections + corrected.projected.length } };
    },
  };
}
