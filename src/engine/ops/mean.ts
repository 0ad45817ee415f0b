import { sizeOf } from '../ir/shape.js';
import { type Tensor, constant } from '../ir/tensor.js';
import { reduceValues, tensorOf } from '../reference/kernels.js';
import { broadcastTo } from './broadcast-to.js';
import { div } from './div.js';
import { apply, defineOp } from './op-def.js';
import { type ReduceParams, floatReducedType, lowerReduce, reduceParams, sum, unreduce } from './sum.js';

/** How many elements each output averages, as a scalar; counted at run time when a reduced dim is symbolic. */
function count(x: Tensor, axes: readonly number[]): Tensor {
  const dims = axes.map((a) => x.shape[a]!);
  const n = sizeOf(dims);
  return n === undefined ? sum(broadcastTo(constant(1, x.dtype), dims)) : constant(n, x.dtype);
}

// mean is linear: d mean(x) = mean(dx); its adjoint spreads ct / count over the reduced axes
export const meanOp = defineOp<ReduceParams>({
  name: 'mean',
  arity: 1,
  infer: floatReducedType,
  jvp: (_x, [dx], { axes, keepdims }) => mean(dx!, axes, keepdims),
  vjp: (ct, [x], params) => [unreduce(div(ct, count(x!, params.axes)), x!, params)],
  lower: lowerReduce('ReduceMean'),
  evaluate: ([x], { axes }, out) => {
    const n = axes.reduce((p, a) => p * x!.shape[a]!, 1);
    return tensorOf(out.dtype, out.shape, reduceValues(x!, axes, 0, (a, v) => a + v).values.map((s) => s / n));
  },
});

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  if (x.rank === 0) return x;
  return apply(meanOp, [x], reduceParams(x, axes, keepdims));
}
