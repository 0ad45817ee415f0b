import type { Tensor } from '../../engine/ir/tensor.js';
import { add } from '../../engine/ops/add.js';
import { matmul } from '../../engine/ops/matmul.js';
import { alignParam } from '../align.js';
import type { BuildContext, Init, Module, ParamDecl } from '../module.js';

export interface LinearOptions {
  readonly bias?: boolean;
  /**
   * Weight initialiser (default 'kaiming', suited to ReLU networks; the bias starts at 0).
   * `{ uniform: b }` draws weights and bias from U(−b, b), as the MGD papers' sigmoid networks do.
   */
  readonly init?: 'kaiming' | 'glorot' | 'zeros' | { readonly uniform: number };
}

/** y = x W + b over the last axis: W [in, out], b [out]. */
export class Linear implements Module {
  readonly kind = 'linear';

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly options: LinearOptions = {},
  ) {
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    const init = options.init;
    if (typeof init === 'object' && !(init.uniform > 0 && Number.isFinite(init.uniform))) throw new RangeError(`Linear: init.uniform must be a positive bound, got ${init.uniform}`);
  }

  params(): ParamDecl[] {
    const kind = this.options.init ?? 'kaiming';
    const uniform: Init | undefined = typeof kind === 'object' ? { kind: 'uniform', bound: kind.uniform } : undefined;
    const init: Init = uniform ?? (kind === 'zeros' ? { kind } : kind === 'kaiming' ? { kind, fanIn: this.inFeatures } : { kind: 'glorot', fanIn: this.inFeatures, fanOut: this.outFeatures });
    const weight = { name: 'weight', shape: [this.inFeatures, this.outFeatures], init };
    return this.options.bias === false ? [weight] : [weight, { name: 'bias', shape: [this.outFeatures], init: uniform ?? { kind: 'zeros' } }];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const y = matmul(x, alignParam(ctx.param('weight'), ctx.lead, x.rank));
    return this.options.bias === false ? y : add(y, alignParam(ctx.param('bias'), ctx.lead, y.rank));
  }
}
