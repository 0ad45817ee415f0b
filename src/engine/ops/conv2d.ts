import type { Tensor } from '../ir/tensor.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { convPairs } from '../reference/windows.js';
import { conv2dFilterGrad } from './conv2d-filter-grad.js';
import { conv2dInputGrad } from './conv2d-input-grad.js';
import { apply, defineOp } from './op-def.js';
import { addAll, sumToShape } from './rules.js';
import {
  type Conv2dOptions,
  type ConvParams,
  checkConvParams,
  checkGroups,
  convAttributes,
  convParams,
  filters,
  floatOperands,
  leadingShape,
  lowerConvLike,
  outputSize,
  spatial,
} from './window-2d.js';

// bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw); adjoints: the transposed convolution of ct by w, and the filter gradient
export const conv2dOp = defineOp<ConvParams>({
  name: 'conv2d',
  arity: 2,
  infer: ([x, w], p) => {
    const dtype = floatOperands(x!, w!);
    checkConvParams(p);
    const xs = spatial(x!, 'x');
    const f = filters(w!);
    checkGroups(xs.channels, f.out, f.in, p.groups);
    const lead = leadingShape(xs.lead, f.lead, f.lead.length > 0);
    return { dtype, shape: [...lead, xs.batch, f.out, ...outputSize(xs.size, { ...p, kernel: f.kernel })] };
  },
  jvp: ([x, w], [dx, dw], p) => addAll(dx && conv2d(dx, w!, p), dw && conv2d(x!, dw, p)),
  vjp: (ct, [x, w], p) => [
    sumToShape(conv2dInputGrad(ct, w!, { ...p, inputSize: spatial(x!, 'x').size }), x!.shape),
    sumToShape(conv2dFilterGrad(x!, ct, { ...p, kernel: filters(w!).kernel }), w!.shape),
  ],
  lower: (ctx, inputs, p, node) => lowerConvLike(ctx, inputs, node.inputs, node.shape, (a, b, copies) => ctx.emit('Conv', [a, b], convAttributes(p, copies))),
  evaluate: ([x, w], p, out) => {
    const [xv, wv] = [valuesOf(x!), valuesOf(w!)];
    const y = new Float64Array(out.shape.reduce((a, b) => a * b, 1));
    convPairs(x!.shape, w!.shape, out.shape, p, (xi, wi, yi) => (y[yi] += xv[xi]! * wv[wi]!));
    return tensorOf(out.dtype, out.shape, y);
  },
});

/**
 * 2-D convolution (cross-correlation) in NCHW, without bias: x [...Lx, N, C, H, W],
 * w [...Lw, O, C/groups, kh, kw] → [...broadcast(Lx, Lw), N, O, OH, OW]. Leading dims on
 * w are per-copy weights (K perturbed copies in one call); they must be concrete.
 * Padding is symmetric zero padding per spatial axis.
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  return apply(conv2dOp, [x, w], convParams(options));
}
