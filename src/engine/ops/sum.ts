import { normalizeAxes } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { reduceValues, tensorOf } from '../reference/kernels.js';
import { broadcastTo } from './broadcast-to.js';
import { type OpDef, type TensorType, apply, defineOp } from './op-def.js';
import { reshape } from './reshape.js';
import { elementwiseType, requireFloat } from './rules.js';

export interface ReduceParams {
  /** Sorted, non-negative, non-empty. */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** Output shape of a reduction; shared by every reduce op. */
export function reducedShape(shape: readonly (number | string)[], { axes, keepdims }: ReduceParams): (number | string)[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Type rule of the reductions that only make sense on floats (mean, max). */
export function floatReducedType([x]: readonly TensorType[], params: ReduceParams): TensorType {
  requireFloat(x!);
  return { dtype: x!.dtype, shape: reducedShape(x!.shape, params) };
}

/** Lowers a reduction to one ONNX Reduce* node (axes as an input, opset 18+). */
export function lowerReduce(onnx: string): OpDef<ReduceParams>['lower'] {
  return (ctx, [x], { axes, keepdims }) => ctx.emit(onnx, [x!, ctx.ints(axes)], { keepdims: int(keepdims ? 1 : 0) });
}

/** Validates and normalises reduction axes (all axes when omitted). */
export function reduceParams(x: Tensor, axes: number | readonly number[] | undefined, keepdims: boolean): ReduceParams {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  return { axes: normalizeAxes(list, x.rank), keepdims };
}

/** The cotangent of a reduction broadcast back over the reduced axes. */
export function unreduce(ct: Tensor, x: Tensor, params: ReduceParams): Tensor {
  const kept = params.keepdims ? ct : reshape(ct, reducedShape(x.shape, { ...params, keepdims: true }));
  return broadcastTo(kept, x.shape);
}

// sum is linear: d sum(x) = sum(dx); its adjoint broadcasts the cotangent back
export const sumOp = defineOp<ReduceParams>({
  name: 'sum',
  arity: 1,
  infer: ([x], params) => ({ dtype: elementwiseType([x!]).dtype, shape: reducedShape(x!.shape, params) }),
  jvp: (_x, [dx], { axes, keepdims }) => sum(dx!, axes, keepdims),
  vjp: (ct, [x], params) => [unreduce(ct, x!, params)],
  lower: lowerReduce('ReduceSum'),
  evaluate: ([x], params, out) => tensorOf(out.dtype, out.shape, reduceValues(x!, params.axes, 0, (a, v) => a + v).values),
});

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  if (x.rank === 0) return x;
  return apply(sumOp, [x], reduceParams(x, axes, keepdims));
}
