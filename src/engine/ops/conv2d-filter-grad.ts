import { shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { type LowerContext, ints } from '../onnx/lower-context.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { convPairs } from '../reference/windows.js';
import { conv2d } from './conv2d.js';
import { conv2dInputGrad } from './conv2d-input-grad.js';
import { apply, defineOp } from './op-def.js';
import { addAll, sumToShape } from './rules.js';
import {
  type Conv2dOptions,
  type ConvParams,
  type Pair,
  type PairLike,
  checkConvParams,
  checkGroups,
  checkOutputSize,
  checkPair,
  convAttributes,
  convParams,
  expandLeading,
  floatOperands,
  leadingShape,
  outputSize,
  pair,
  spatial,
} from './window-2d.js';

export interface FilterGradParams extends ConvParams {
  readonly kernel: Pair;
}

/**
 * One ONNX Conv with batch and channels swapped: the images' C/g channels become the
 * batch, the K copies × g groups × N images the channels, and the cotangent the filters,
 * with stride and dilation exchanged. Its output [C/g, K·O, kh', kw'] covers the kernel
 * (kh' >= kh) and is cropped to it.
 */
function lowerFilterGrad(ctx: LowerContext, [x, ct]: readonly string[], node: Tensor, p: FilterGradParams): string {
  const [xt, ctt] = node.inputs as [Tensor, Tensor];
  const lead = node.shape.slice(0, -4) as number[];
  const k = lead.reduce((a, d) => a * d, 1);
  const xs = spatial(xt, 'x');
  const [o, cg] = node.shape.slice(-4) as number[];
  const [oh, ow] = spatial(ctt, 'cotangent').size;
  const [h, w] = xs.size;
  const x6 = ctx.emit('Reshape', [expandLeading(ctx, x!, xt.shape, lead), ctx.ints([k, -1, p.groups, cg!, h, w])]);
  const images = ctx.emit('Reshape', [ctx.emit('Transpose', [x6], { perm: ints([3, 0, 2, 1, 4, 5]) }), ctx.ints([cg!, -1, h, w])]);
  const ct5 = ctx.emit('Reshape', [expandLeading(ctx, ct!, ctt.shape, lead), ctx.ints([k, -1, o!, oh, ow])]);
  const kernels = ctx.emit('Reshape', [ctx.emit('Transpose', [ct5], { perm: ints([0, 2, 1, 3, 4]) }), ctx.ints([k * o!, -1, oh, ow])]);
  const swapped = { ...p, stride: p.dilation, dilation: p.stride };
  const full = ctx.emit('Conv', [images, kernels], convAttributes(swapped, k));
  const covered = outputSize(xs.size, { ...swapped, kernel: [oh, ow] });
  const cropped = shapesEqual(covered, p.kernel) ? full : ctx.emit('Slice', [full, ctx.ints([0, 0]), ctx.ints(p.kernel), ctx.ints([2, 3])]);
  const w5 = ctx.emit('Reshape', [cropped, ctx.ints([cg!, k, o!, ...p.kernel])]);
  return ctx.emit('Reshape', [ctx.emit('Transpose', [w5], { perm: ints([1, 2, 0, 3, 4]) }), ctx.ints(node.shape as number[])]);
}

// bilinear in (x, ct): d = filterGrad(dx, ct) + filterGrad(x, dct); adjoints: inputGrad(ct, ḡ) for x, conv2d(x, ḡ) for ct
export const conv2dFilterGradOp = defineOp<FilterGradParams>({
  name: 'conv2dFilterGrad',
  arity: 2,
  infer: ([x, ct], p) => {
    const dtype = floatOperands(x!, ct!);
    checkConvParams(p);
    checkPair(p.kernel, 'kernel', 1);
    const xs = spatial(x!, 'x');
    const cs = spatial(ct!, 'cotangent');
    if (xs.batch !== cs.batch) throw new RangeError(`x and the cotangent have batch sizes ${xs.batch} and ${cs.batch}`);
    checkGroups(xs.channels, cs.channels, xs.channels / p.groups, p.groups);
    checkOutputSize(xs.size, p, cs.size);
    const lead = leadingShape(xs.lead, cs.lead, true);
    return { dtype, shape: [...lead, cs.channels, xs.channels / p.groups, ...p.kernel] };
  },
  jvp: ([x, ct], [dx, dct], p) => addAll(dx && conv2dFilterGrad(dx, ct!, p), dct && conv2dFilterGrad(x!, dct, p)),
  vjp: (gbar, [x, ct], p) => [
    sumToShape(conv2dInputGrad(ct!, gbar, { ...p, inputSize: spatial(x!, 'x').size }), x!.shape),
    sumToShape(conv2d(x!, gbar, p), ct!.shape),
  ],
  lower: (ctx, inputs, p, node) => lowerFilterGrad(ctx, inputs, node, p),
  evaluate: ([x, ct], p, out) => {
    const [xv, cv] = [valuesOf(x!), valuesOf(ct!)];
    const g = new Float64Array(out.shape.reduce((a, b) => a * b, 1));
    convPairs(x!.shape, out.shape, ct!.shape, p, (xi, wi, yi) => (g[wi] += xv[xi]! * cv[yi]!));
    return tensorOf(out.dtype, out.shape, g);
  },
});

/**
 * The gradient of conv2d with respect to its weights: x [...Lx, N, C, H, W] and
 * ct [...Lc, N, O, OH, OW] → [...broadcast(Lx, Lc), O, C/groups, kh, kw], one filter
 * gradient per leading index (so leading dims must be concrete; sum them for shared weights).
 */
export function conv2dFilterGrad(x: Tensor, ct: Tensor, options: Conv2dOptions & { readonly kernel: PairLike }): Tensor {
  return apply(conv2dFilterGradOp, [x, ct], { ...convParams(options), kernel: pair(options.kernel) });
}
