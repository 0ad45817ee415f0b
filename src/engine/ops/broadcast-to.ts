import { type Shape, broadcastShapes, formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { broadcastValues, tensorOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';
import { sumToShape } from './rules.js';

export interface BroadcastParams {
  readonly shape: Shape;
}

// broadcasting is linear; its adjoint sums over the broadcast axes
export const broadcastToOp = defineOp<BroadcastParams>({
  name: 'broadcastTo',
  arity: 1,
  infer: ([x], { shape }) => {
    const result = broadcastShapes(x!.shape, shape);
    if (result === undefined || !shapesEqual(result, shape)) {
      throw new RangeError(`cannot broadcast ${formatShape(x!.shape)} to ${formatShape(shape)}`);
    }
    return { dtype: x!.dtype, shape };
  },
  jvp: (_x, [dx], { shape }) => broadcastTo(dx!, shape),
  vjp: (ct, [x]) => [sumToShape(ct, x!.shape)],
  lower: (ctx, [x], { shape }, node) => ctx.emit('Expand', [x!, ctx.expandShape(node.inputs[0]!.shape, shape)]),
  evaluate: ([x], _p, out) => tensorOf(out.dtype, out.shape, broadcastValues(x!, out.shape)),
});

/** Repeats `x` along size-1 and new leading axes to reach `shape`. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return shapesEqual(x.shape, shape) ? x : apply(broadcastToOp, [x], { shape });
}
