import type { Tensor } from '../ir/tensor.js';
import { mapValues } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';
import { type NoParams, elementwiseType } from './rules.js';

// d(-x) = -dx
export const negOp = defineOp<NoParams>({
  name: 'neg',
  arity: 1,
  infer: elementwiseType,
  jvp: (_p, [dx]) => neg(dx!),
  vjp: (ct) => [neg(ct)],
  lower: (ctx, [x]) => ctx.emit('Neg', [x!]),
  evaluate: ([x], _p, out) => mapValues(x!, out.dtype, (v) => -v),
});

export function neg(x: Tensor): Tensor {
  return apply(negOp, [x], {});
}
