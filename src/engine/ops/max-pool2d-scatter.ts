import { formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { int, str } from '../onnx/lower-context.js';
import { tensorOf } from '../reference/kernels.js';
import { scatterAddValues } from '../reference/indexing.js';
import { maxPoolArgmax } from '../reference/windows.js';
import { maxPool2dSelect } from './max-pool2d-select.js';
import { apply, defineOp } from './op-def.js';
import { requireSameDtype } from './rules.js';
import { type PoolParams, lowerFolded, maxPoolIndices, poolWindow, pooledType } from './window-2d.js';

// linear in c (x only picks the argmax): d scatter(x, c) = scatter(x, dc); adjoint select(x, ct)
export const maxPool2dScatterOp = defineOp<PoolParams>({
  name: 'maxPool2dScatter',
  arity: 2,
  infer: ([x, c], p) => {
    requireSameDtype([x!, c!]);
    const pooled = pooledType(x!, p);
    if (!shapesEqual(pooled.shape, c!.shape)) throw new RangeError(`c ${formatShape(c!.shape)} must have the pooled shape ${formatShape(pooled.shape)}`);
    return x!;
  },
  jvp: ([x], [, dc], p) => (dc === null ? null : maxPool2dScatter(x!, dc, p)),
  vjp: (ct, [x], p) => [null, maxPool2dSelect(x!, ct, p)],
  // ScatterElements with reduction 'add' into flat zeros at MaxPool's flat argmax indices.
  lower: (ctx, [x, c], p, node) =>
    lowerFolded(ctx, x!, node.shape, node.shape, (x4) => {
      const flat = ctx.ints([-1]);
      const shape = ctx.emit('Shape', [x4]);
      const zeros = ctx.emit('Reshape', [ctx.emit('Expand', [ctx.scalar(0, node.dtype), shape]), flat]);
      const indices = ctx.emit('Reshape', [maxPoolIndices(ctx, x4, p), flat]);
      const updates = ctx.emit('Reshape', [c!, flat]);
      const scattered = ctx.emit('ScatterElements', [zeros, indices, updates], { axis: int(0), reduction: str('add') });
      return ctx.emit('Reshape', [scattered, shape]);
    }),
  evaluate: ([x, c], p, out) => {
    const values = new Float64Array(x!.size);
    return tensorOf(out.dtype, out.shape, scatterAddValues(values, c!, maxPoolArgmax(x!, c!.shape, poolWindow(p))));
  },
});

/** Adds each entry of `c` (shaped like maxPool2d(x)) at its window's argmax in zeros shaped like x: maxPool2d's VJP. */
export function maxPool2dScatter(x: Tensor, c: Tensor, p: PoolParams): Tensor {
  return apply(maxPool2dScatterOp, [x, c], p);
}
