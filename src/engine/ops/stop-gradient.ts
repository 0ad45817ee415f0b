import type { Tensor } from '../ir/tensor.js';
import { apply, defineOp } from './op-def.js';
import type { NoParams } from './rules.js';

/** Identity in value; blocks derivatives in both forward and reverse mode. */
export const stopGradientOp = defineOp<NoParams>({
  name: 'stopGradient',
  arity: 1,
  infer: ([x]) => x!,
  jvp: () => null,
  vjp: () => [null],
  lower: (ctx, [x]) => ctx.emit('Identity', [x!]),
  evaluate: ([x]) => x!,
});

export function stopGradient(x: Tensor): Tensor {
  return apply(stopGradientOp, [x], {});
}
