import type { Tensor } from '../ir/tensor.js';
import { zipValues } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';
import { type NoParams, type TensorLike, broadcastAll, expandTo, operands, requireSameDtype, sumToShape } from './rules.js';

// d where(c, a, b) = where(c, da, db); the adjoint routes ct to the branch each element took
export const whereOp = defineOp<NoParams>({
  name: 'where',
  arity: 3,
  infer: ([cond, a, b]) => {
    if (cond!.dtype !== 'bool') throw new TypeError(`condition must be bool, got ${cond!.dtype}`);
    return { dtype: requireSameDtype([a!, b!]), shape: broadcastAll([cond!, a!, b!]) };
  },
  jvp: ([cond], [, da, db], _p, out) => expandTo(where(cond!, da ?? 0, db ?? 0), out.shape),
  vjp: (ct, [cond, a, b]) => [null, sumToShape(where(cond!, ct, 0), a!.shape), sumToShape(where(cond!, 0, ct), b!.shape)],
  lower: (ctx, [cond, a, b]) => ctx.emit('Where', [cond!, a!, b!]),
  evaluate: (inputs, _p, out) => zipValues(inputs, out, (c, a, b) => (c ? a : b)),
});

/** Elementwise `cond ? a : b` with numpy broadcasting; numbers take the other branch's dtype. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return apply(whereOp, [cond, ...operands(a, b)], {});
}
