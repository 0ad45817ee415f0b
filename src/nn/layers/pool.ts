import type { Tensor } from '../../engine/ir/tensor.js';
import { avgPool2d } from '../../engine/ops/avg-pool2d.js';
import { maxPool2d } from '../../engine/ops/max-pool2d.js';
import type { BuildContext, Module } from '../module.js';

/** Max or average pooling over k×k windows (stride k by default). */
export class Pool2d implements Module {
  constructor(
    readonly kind: 'maxpool2d' | 'avgpool2d',
    readonly kernel: number,
    readonly stride = kernel,
  ) {}

  params(): [] {
    return [];
  }

  children(): [] {
    return [];
  }

  apply(_ctx: BuildContext, x: Tensor): Tensor {
    const options = { kernel: this.kernel, stride: this.stride };
    return this.kind === 'maxpool2d' ? maxPool2d(x, options) : avgPool2d(x, options);
  }
}
