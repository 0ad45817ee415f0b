import type { ParamLayout } from '../nn/params.js';

export interface CorrectionOptions {
  /** The sub-net being trained (0/1 over θ): the reference is restricted to it, so the corrected gradient stays in it. */
  readonly mask?: Float32Array;
  /**
   * What decides a conflict in place of the gradient: ⟨signal, r⟩ < 0. AST's momentum
   * variant decides with the sub-net's gradient EMA (less noisy) and still projects the
   * gradient itself. Default: the gradient.
   */
  readonly signal?: Float32Array;
}

/**
 * AST's gradient correction (Yang, Meng, Seo, Fan, NeurIPS 2022; the rule of its figure
 * and its code's intent, which the public code never applies): per parameter (layer),
 * with r the reference gradient of the previous sub-net restricted to the current one,
 * where ⟨g, r⟩ < 0 the conflicting component is removed,
 *   g ← g − ⟨g, r⟩ / ‖r‖² · r,
 * and elsewhere g is left as it is (PCGrad's projection, Yu et al. 2020, applied
 * between sub-nets). After it, ⟨g, r⟩ = 0 on every corrected layer.
 * @returns a new gradient and the names of the parameters it projected.
 * @throws RangeError when the vectors are not laid out like θ.
 */
export function correctGradient(grad: Float32Array, reference: Float32Array, layout: ParamLayout, options: CorrectionOptions = {}): { readonly grad: Float32Array; readonly projected: readonly string[] } {
  const { mask, signal = grad } = options;
  for (const [what, v] of [['grad', grad], ['reference', reference], ['signal', signal], ...(mask ? [['mask', mask] as const] : [])] as const) layout.check(v, what);
  const out = grad.slice();
  const projected: string[] = [];
  for (const e of layout.entries) {
    let decide = 0;
    let along = 0;
    let norm = 0;
    for (let i = e.offset; i < e.offset + e.size; i++) {
      const r = mask ? reference[i]! * mask[i]! : reference[i]!;
      decide += signal[i]! * r;
      along += grad[i]! * r;
      norm += r * r;
    }
    if (!(decide < 0 && norm > 0)) continue;
    const c = along / norm;
    for (let i = e.offset; i < e.offset + e.size; i++) out[i]! -= c * (mask ? reference[i]! * mask[i]! : reference[i]!);
    projected.push(e.name);
  }
  return { grad: out, projected };
}
