import type { Tensor } from '../../engine/ir/tensor.js';
import { reshape } from '../../engine/ops/reshape.js';
import type { BuildContext, Module } from '../module.js';

/** Merges the last `dims` axes (default 3: C, H, W) into one; leading axes are kept. */
export class Flatten implements Module {
  readonly kind = 'flatten';

  constructor(readonly dims = 3) {}

  params(): [] {
    return [];
  }

  children(): [] {
    return [];
  }

  apply(_ctx: BuildContext, x: Tensor): Tensor {
    const tail = x.shape.slice(-this.dims);
    if (!tail.every((d): d is number => typeof d === 'number')) throw new RangeError(`Flatten: the last ${this.dims} dims of ${x} must be concrete`);
    return reshape(x, [...x.shape.slice(0, -this.dims), tail.reduce((a, b) => a * b, 1)]);
  }
}
