import type { Tensor } from '../ir/tensor.js';
import { ints } from '../onnx/lower-context.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { convPairs } from '../reference/windows.js';
import { conv2d } from './conv2d.js';
import { conv2dFilterGrad } from './conv2d-filter-grad.js';
import { apply, defineOp } from './op-def.js';
import { addAll, sumToShape } from './rules.js';
import {
  type Conv2dOptions,
  type ConvParams,
  type Pair,
  type PairLike,
  checkConvParams,
  checkGroups,
  checkPair,
  checkOutputSize,
  convAttributes,
  convParams,
  filters,
  floatOperands,
  leadingShape,
  lowerConvLike,
  pair,
  skippedSize,
  spatial,
} from './window-2d.js';

export interface InputGradParams extends ConvParams {
  /** [H, W] of the convolution's input, which stride > 1 leaves ambiguous. */
  readonly inputSize: Pair;
}

// bilinear in (ct, w): d = inputGrad(dct, w) + inputGrad(ct, dw); adjoints: conv2d(ȳ, w) for ct, filterGrad(ȳ, ct) for w
export const conv2dInputGradOp = defineOp<InputGradParams>({
  name: 'conv2dInputGrad',
  arity: 2,
  infer: ([ct, w], p) => {
    const dtype = floatOperands(ct!, w!);
    checkConvParams(p);
    checkPair(p.inputSize, 'inputSize', 1);
    const cs = spatial(ct!, 'cotangent');
    const f = filters(w!);
    if (cs.channels !== f.out) throw new RangeError(`the cotangent has ${cs.channels} channels, w has ${f.out} filters`);
    checkGroups(f.in * p.groups, f.out, f.in, p.groups);
    checkOutputSize(p.inputSize, { ...p, kernel: f.kernel }, cs.size);
    const lead = leadingShape(cs.lead, f.lead, f.lead.length > 0);
    return { dtype, shape: [...lead, cs.batch, f.in * p.groups, ...p.inputSize] };
  },
  jvp: ([ct, w], [dct, dw], p) => addAll(dct && conv2dInputGrad(dct, w!, p), dw && conv2dInputGrad(ct!, dw, p)),
  vjp: (ybar, [ct, w], p) => [
    sumToShape(conv2d(ybar, w!, p), ct!.shape),
    sumToShape(conv2dFilterGrad(ybar, ct!, { ...p, kernel: filters(w!).kernel }), w!.shape),
  ],
  lower: (ctx, inputs, p, node) => {
    const padding = ints(skippedSize(p.inputSize, { ...p, kernel: filters(node.inputs[1]!).kernel }));
    const convTranspose = (a: string, b: string, copies: number) => ctx.emit('ConvTranspose', [a, b], { ...convAttributes(p, copies), output_padding: padding });
    return lowerConvLike(ctx, inputs, node.inputs, node.shape, convTranspose);
  },
  evaluate: ([ct, w], p, out) => {
    const [cv, wv] = [valuesOf(ct!), valuesOf(w!)];
    const x = new Float64Array(out.shape.reduce((a, b) => a * b, 1));
    convPairs(out.shape, w!.shape, ct!.shape, p, (xi, wi, yi) => (x[xi] += cv[yi]! * wv[wi]!));
    return tensorOf(out.dtype, out.shape, x);
  },
});

/**
 * The gradient of conv2d with respect to its input (a transposed convolution):
 * ct [...Lc, N, O, OH, OW] and w [...Lw, O, C/groups, kh, kw] → [...broadcast(Lc, Lw), N, C, H, W].
 */
export function conv2dInputGrad(ct: Tensor, w: Tensor, options: Conv2dOptions & { readonly inputSize: PairLike }): Tensor {
  return apply(conv2dInputGradOp, [ct, w], { ...convParams(options), inputSize: pair(options.inputSize) });
}
