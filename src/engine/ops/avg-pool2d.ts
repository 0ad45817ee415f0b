import { type Tensor, constant } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { tensorOf } from '../reference/kernels.js';
import { avgPoolValues } from '../reference/windows.js';
import { conv2dInputGrad } from './conv2d-input-grad.js';
import { apply, defineOp } from './op-def.js';
import { type Pool2dOptions, type PoolParams, lowerFolded, poolAttributes, poolParams, poolWindow, pooledType, spatial } from './window-2d.js';

/**
 * avgPool is a depthwise convolution with a constant 1/(kh·kw) kernel (padding counts
 * as zeros), so it is linear: d avgPool(x) = avgPool(dx), adjoint = that convolution's input gradient.
 */
function poolAdjoint(ct: Tensor, x: Tensor, p: PoolParams): Tensor {
  const { channels, size } = spatial(x, 'x');
  const taps = p.kernel[0] * p.kernel[1];
  const kernel = tensorOf(x.dtype, [channels, 1, ...p.kernel], new Float64Array(channels * taps).fill(1 / taps));
  return conv2dInputGrad(ct, constant(kernel), { stride: p.stride, padding: p.padding, groups: channels, inputSize: size });
}

export const avgPool2dOp = defineOp<PoolParams>({
  name: 'avgPool2d',
  arity: 1,
  infer: ([x], p) => pooledType(x!, p),
  jvp: (_x, [dx], p) => avgPool2d(dx!, p),
  vjp: (ct, [x], p) => [poolAdjoint(ct, x!, p)],
  lower: (ctx, [x], p, node) =>
    lowerFolded(ctx, x!, node.inputs[0]!.shape, node.shape, (x4) => ctx.emit('AveragePool', [x4], { ...poolAttributes(p), count_include_pad: int(1) })),
  evaluate: ([x], p, out) => tensorOf(out.dtype, out.shape, avgPoolValues(x!, out.shape, poolWindow(p))),
});

/** Average pooling over the last two axes of x [...lead, N, C, H, W]; stride defaults to the kernel, padding counts as zeros. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(avgPool2dOp, [x], poolParams(options));
}
