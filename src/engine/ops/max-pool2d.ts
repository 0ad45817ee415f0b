import type { Tensor } from '../ir/tensor.js';
import { tensorOf } from '../reference/kernels.js';
import { gatherValues } from '../reference/indexing.js';
import { maxPoolArgmax } from '../reference/windows.js';
import { maxPool2dScatter } from './max-pool2d-scatter.js';
import { maxPool2dSelect } from './max-pool2d-select.js';
import { apply, defineOp } from './op-def.js';
import { type Pool2dOptions, type PoolParams, lowerFolded, poolAttributes, poolParams, poolWindow, pooledType } from './window-2d.js';

// d maxPool(x) = dx at each window's argmax; the adjoint scatters the cotangent back to the argmax
export const maxPool2dOp = defineOp<PoolParams>({
  name: 'maxPool2d',
  arity: 1,
  infer: ([x], p) => pooledType(x!, p),
  jvp: ([x], [dx], p) => maxPool2dSelect(x!, dx!, p),
  vjp: (ct, [x], p) => [maxPool2dScatter(x!, ct, p)],
  lower: (ctx, [x], p, node) => lowerFolded(ctx, x!, node.inputs[0]!.shape, node.shape, (x4) => ctx.emit('MaxPool', [x4], poolAttributes(p))),
  evaluate: ([x], p, out) => tensorOf(out.dtype, out.shape, gatherValues(x!, maxPoolArgmax(x!, out.shape, poolWindow(p)))),
});

/** Max pooling over the last two axes of x [...lead, N, C, H, W]; stride defaults to the kernel, padding never wins. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(maxPool2dOp, [x], poolParams(options));
}
