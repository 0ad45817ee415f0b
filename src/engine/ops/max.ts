import type { Tensor } from '../ir/tensor.js';
import { reduceValues, tensorOf } from '../reference/kernels.js';
import { cast } from './cast.js';
import { div } from './div.js';
import { equal } from './equal.js';
import { mul } from './mul.js';
import { apply, defineOp } from './op-def.js';
import { type ReduceParams, floatReducedType, lowerReduce, reduceParams, sum, unreduce } from './sum.js';

/** Where x attains its maximum, each tie weighted 1/(number of ties): the derivative's distribution. */
function argmaxWeights(x: Tensor, y: Tensor, params: ReduceParams): Tensor {
  const mask = cast(equal(x, unreduce(y, x, params)), x.dtype);
  return div(mask, sum(mask, params.axes, true));
}

// d max(x) = Σ w dx with w = argmaxWeights; the adjoint is w · ct broadcast back
export const maxOp = defineOp<ReduceParams>({
  name: 'max',
  arity: 1,
  infer: floatReducedType,
  jvp: ([x], [dx], params, y) => sum(mul(argmaxWeights(x!, y, params), dx!), params.axes, params.keepdims),
  vjp: (ct, [x], params, y) => [mul(argmaxWeights(x!, y, params), unreduce(ct, x!, params))],
  lower: lowerReduce('ReduceMax'),
  evaluate: ([x], { axes }, out) => tensorOf(out.dtype, out.shape, reduceValues(x!, axes, -Infinity, Math.max).values),
});

/** Maximum over `axes` (all when omitted). */
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  if (x.rank === 0) return x;
  return apply(maxOp, [x], reduceParams(x, axes, keepdims));
}
