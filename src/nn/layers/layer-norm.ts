import type { Tensor } from '../../engine/ir/tensor.js';
import { add } from '../../engine/ops/add.js';
import { layerNorm } from '../../engine/ops/layer-norm.js';
import { mul } from '../../engine/ops/mul.js';
import { alignParam } from '../align.js';
import type { BuildContext, Module, ParamDecl } from '../module.js';

/** Layer normalisation over the last axis, with an optional learned scale and shift. */
export class LayerNorm implements Module {
  readonly kind = 'layernorm';

  constructor(
    readonly features: number,
    readonly affine = true,
    readonly epsilon = 1e-5,
  ) {}

  params(): ParamDecl[] {
    if (!this.affine) return [];
    return [
      { name: 'scale', shape: [this.features], init: { kind: 'ones' } },
      { name: 'bias', shape: [this.features], init: { kind: 'zeros' } },
    ];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const options = { epsilon: this.epsilon };
    if (!this.affine) return layerNorm(x, undefined, undefined, options);
    // The fused ONNX op needs scale and bias shaped like the normalised axis, which
    // per-copy parameters are not: apply them separately then.
    if (ctx.lead === 0) return layerNorm(x, ctx.param('scale'), ctx.param('bias'), options);
    const normalised = layerNorm(x, undefined, undefined, options);
    return add(mul(normalised, alignParam(ctx.param('scale'), ctx.lead, x.rank)), alignParam(ctx.param('bias'), ctx.lead, x.rank));
  }
}
