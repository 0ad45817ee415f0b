import type { Tensor } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { logSoftmaxValues, tensorOf } from '../reference/kernels.js';
import { mul } from './mul.js';
import { apply, defineOp } from './op-def.js';
import { type AxisParams, floatAlongAxis } from './rules.js';
import { sub } from './sub.js';
import { sum } from './sum.js';

// d softmax(x) = y (dx - Σ y dx); the Jacobian is symmetric, so the VJP applies the same map
const jacobian = (y: Tensor, v: Tensor, axis: number) => mul(y, sub(v, sum(mul(y, v), axis, true)));

export const softmaxOp = defineOp<AxisParams>({
  name: 'softmax',
  arity: 1,
  infer: floatAlongAxis,
  jvp: (_x, [dx], { axis }, y) => jacobian(y, dx!, axis),
  vjp: (ct, _x, { axis }, y) => [jacobian(y, ct, axis)],
  lower: (ctx, [x], { axis }) => ctx.emit('Softmax', [x!], { axis: int(axis) }),
  evaluate: ([x], { axis }, out) => tensorOf(out.dtype, out.shape, logSoftmaxValues(x!, axis).map(Math.exp)),
});

/** exp(x) normalised to sum to 1 along `axis` (default: the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply(softmaxOp, [x], { axis });
}
