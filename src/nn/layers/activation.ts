import type { Tensor } from '../../engine/ir/tensor.js';
import { cast } from '../../engine/ops/cast.js';
import { gelu } from '../../engine/ops/gelu.js';
import { greater } from '../../engine/ops/greater.js';
import { relu } from '../../engine/ops/relu.js';
import { sigmoid } from '../../engine/ops/sigmoid.js';
import type { BuildContext, Module } from '../module.js';

export type ActivationKind = 'relu' | 'gelu' | 'sigmoid';

/**
 * A nonlinearity. Its input is a pre-activation, so it marks it as an activity site;
 * ReLU also says which units are live (an inactive unit has zero gradient, so
 * perturbing it only adds variance).
 */
export class Activation implements Module {
  constructor(readonly kind: ActivationKind) {}

  params(): [] {
    return [];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    if (this.kind === 'gelu') return gelu(ctx.activity(x));
    if (this.kind === 'sigmoid') return sigmoid(ctx.activity(x));
    return relu(ctx.activity(x, cast(greater(x, 0), x.dtype)));
  }
}
