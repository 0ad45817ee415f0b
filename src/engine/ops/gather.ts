import { normalizeAxis } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { tensorOf } from '../reference/kernels.js';
import { gatherValues, takeOffsets } from '../reference/indexing.js';
import { apply, defineOp } from './op-def.js';
import type { AxisParams } from './rules.js';
import { scatterAdd } from './scatter-add.js';

// gather is linear in x: d gather(x, i) = gather(dx, i); its adjoint scatter-adds the cotangent back
export const gatherOp = defineOp<AxisParams>({
  name: 'gather',
  arity: 2,
  infer: ([x, indices], { axis }) => {
    if (indices!.dtype !== 'int64') throw new TypeError(`indices must be int64, got ${indices!.dtype}`);
    const a = normalizeAxis(axis, x!.shape.length);
    return { dtype: x!.dtype, shape: [...x!.shape.slice(0, a), ...indices!.shape, ...x!.shape.slice(a + 1)] };
  },
  jvp: ([, indices], [dx], { axis }) => gather(dx!, indices!, axis),
  vjp: (ct, [x, indices], { axis }) => {
    const a = normalizeAxis(axis, x!.rank);
    return [scatterAdd(ct, indices!, a, x!.shape[a]!), null];
  },
  lower: (ctx, [x, indices], { axis }) => ctx.emit('Gather', [x!, indices!], { axis: int(axis) }),
  evaluate: ([x, indices], { axis }, out) => {
    const a = normalizeAxis(axis, x!.shape.length);
    return tensorOf(out.dtype, out.shape, gatherValues(x!, takeOffsets(x!.shape, a, indices!)));
  },
});

/**
 * ONNX Gather: picks entries of `x` along `axis` at int64 `indices` (negative count
 * from the end); the result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return apply(gatherOp, [x, indices], { axis });
}
