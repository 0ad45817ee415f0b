import type { Tensor } from '../../engine/ir/tensor.js';
import { withScope } from '../../engine/ir/scope.js';
import type { BuildContext, Module } from '../module.js';

/** Modules applied in order; children are named by position ('0', '1', …), as in PyTorch. */
export class Sequential implements Module {
  readonly kind = 'sequential';
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    this.layers = layers;
  }

  params(): [] {
    return [];
  }

  children(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    return this.layers.reduce((h, layer, i) => withScope(`${i}.${layer.kind}`, () => layer.apply(ctx.child(String(i)), h)), x);
  }
}
