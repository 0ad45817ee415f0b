import type { Tensor } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { logSoftmaxValues, tensorOf } from '../reference/kernels.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { apply, defineOp } from './op-def.js';
import { type AxisParams, floatAlongAxis } from './rules.js';
import { sub } from './sub.js';
import { sum } from './sum.js';

// y = x - log Σ eˣ;  dy = dx - Σ softmax(x) dx;  adjoint: ct - softmax(x) Σ ct, with softmax(x) = eʸ
export const logSoftmaxOp = defineOp<AxisParams>({
  name: 'logSoftmax',
  arity: 1,
  infer: floatAlongAxis,
  jvp: (_x, [dx], { axis }, y) => sub(dx!, sum(mul(exp(y), dx!), axis, true)),
  vjp: (ct, _x, { axis }, y) => [sub(ct, mul(exp(y), sum(ct, axis, true)))],
  lower: (ctx, [x], { axis }) => ctx.emit('LogSoftmax', [x!], { axis: int(axis) }),
  evaluate: ([x], { axis }, out) => tensorOf(out.dtype, out.shape, logSoftmaxValues(x!, axis)),
});

/** log softmax(x) along `axis` (default: the last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply(logSoftmaxOp, [x], { axis });
}
