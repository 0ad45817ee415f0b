import { formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { tensorOf } from '../reference/kernels.js';
import { gatherValues } from '../reference/indexing.js';
import { maxPoolArgmax } from '../reference/windows.js';
import { maxPool2dScatter } from './max-pool2d-scatter.js';
import { apply, defineOp } from './op-def.js';
import { requireSameDtype } from './rules.js';
import { type PoolParams, lowerFolded, maxPoolIndices, poolWindow, pooledType } from './window-2d.js';

// linear in t (x only picks the argmax, a zero derivative almost everywhere): d select(x, t) = select(x, dt); adjoint scatter(x, ct)
export const maxPool2dSelectOp = defineOp<PoolParams>({
  name: 'maxPool2dSelect',
  arity: 2,
  infer: ([x, t], p) => {
    requireSameDtype([x!, t!]);
    if (!shapesEqual(x!.shape, t!.shape)) throw new RangeError(`t ${formatShape(t!.shape)} must have x's shape ${formatShape(x!.shape)}`);
    return pooledType(x!, p);
  },
  jvp: ([x], [, dt], p) => (dt === null ? null : maxPool2dSelect(x!, dt, p)),
  vjp: (ct, [x], p) => [null, maxPool2dScatter(x!, ct, p)],
  // Gather from the flattened t at MaxPool's flat argmax indices.
  lower: (ctx, [x, t], p, node) =>
    lowerFolded(ctx, x!, node.inputs[0]!.shape, node.shape, (x4) => {
      const flat = ctx.emit('Reshape', [t!, ctx.ints([-1])]);
      return ctx.emit('Gather', [flat, maxPoolIndices(ctx, x4, p)]);
    }),
  evaluate: ([x, t], p, out) => tensorOf(out.dtype, out.shape, gatherValues(t!, maxPoolArgmax(x!, out.shape, poolWindow(p)))),
});

/** The entries of `t` (shaped like x) at the argmax of each max-pooling window of x: maxPool2d's JVP. */
export function maxPool2dSelect(x: Tensor, t: Tensor, p: PoolParams): Tensor {
  return apply(maxPool2dSelectOp, [x, t], p);
}
