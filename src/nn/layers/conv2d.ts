import type { Tensor } from '../../engine/ir/tensor.js';
import { add } from '../../engine/ops/add.js';
import { conv2d } from '../../engine/ops/conv2d.js';
import { reshape } from '../../engine/ops/reshape.js';
import { alignParam } from '../align.js';
import type { BuildContext, Module, ParamDecl } from '../module.js';

export interface Conv2dLayerOptions {
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number | 'same';
  readonly groups?: number;
  readonly bias?: boolean;
  readonly init?: 'kaiming' | 'glorot';
}

/** 2-D convolution in NCHW with weights [out, in/groups, k, k] and bias [out]. */
export class Conv2d implements Module {
  readonly kind = 'conv2d';

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly options: Conv2dLayerOptions,
  ) {
    const { kernel, groups = 1 } = options;
    if (!Number.isInteger(kernel) || kernel < 1) throw new RangeError(`Conv2d: kernel must be a positive integer, got ${kernel}`);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
  }

  private get padding(): number {
    const p = this.options.padding ?? 0;
    return p === 'same' ? Math.floor(this.options.kernel / 2) : p;
  }

  params(): ParamDecl[] {
    const { kernel, groups = 1, init = 'kaiming' } = this.options;
    const fanIn = (this.inChannels / groups) * kernel * kernel;
    const weight = {
      name: 'weight',
      shape: [this.outChannels, this.inChannels / groups, kernel, kernel],
      init: init === 'kaiming' ? { kind: init, fanIn } : { kind: init, fanIn, fanOut: (this.outChannels / groups) * kernel * kernel },
    } as const;
    return this.options.bias === false ? [weight] : [weight, { name: 'bias', shape: [this.outChannels], init: { kind: 'zeros' } }];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const { stride = 1, groups = 1 } = this.options;
    const y = conv2d(x, ctx.param('weight'), { stride, padding: this.padding, groups });
    if (this.options.bias === false) return y;
    // bias [...lead, O] → [...lead, O, 1, 1], then aligned against [...lead, N, O, H, W]
    const b = ctx.param('bias');
    return add(y, alignParam(reshape(b, [...b.shape, 1, 1]), ctx.lead, y.rank));
  }
}
