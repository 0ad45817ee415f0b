import { type Shape, normalizeAxis } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { tensorOf } from '../reference/kernels.js';
import { blockOffsets, gatherValues } from '../reference/indexing.js';
import { apply, defineOp } from './op-def.js';
import { pad } from './pad.js';

/** ONNX Slice semantics: negative indices count from the end, out-of-range ones clamp. */
export interface SliceParams {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Defaults to the first starts.length axes. */
  readonly axes?: readonly number[];
  /** Only unit steps are supported. */
  readonly steps?: readonly number[];
}

/** Start and end (0 <= start <= end <= size) along every axis of `shape`; symbolic axes, never sliced, get 0 and 0. */
export function sliceBounds(shape: Shape, { starts, ends, axes = starts.map((_, i) => i), steps }: SliceParams): { start: number[]; end: number[] } {
  if (ends.length !== starts.length || axes.length !== starts.length) {
    throw new RangeError(`starts, ends and axes need one entry each per sliced axis, got ${starts.length}, ${ends.length} and ${axes.length}`);
  }
  if (steps?.some((s) => s !== 1)) throw new RangeError(`only unit steps are supported, got steps [${steps}]`);
  const start = shape.map(() => 0);
  const end = shape.map((d) => (typeof d === 'number' ? d : 0));
  const seen = new Set<number>();
  axes.forEach((axis, i) => {
    const a = normalizeAxis(axis, shape.length);
    const size = shape[a]!;
    if (seen.has(a)) throw new RangeError(`axis ${a} is sliced twice`);
    if (typeof size !== 'number') throw new RangeError(`axis ${a} has symbolic size '${size}'; only concrete axes can be sliced`);
    seen.add(a);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
    start[a] = clamp(starts[i]!);
    end[a] = Math.max(clamp(ends[i]!), start[a]!);
  });
  return { start, end };
}

function slicedShape(shape: Shape, params: SliceParams): Shape {
  const { start, end } = sliceBounds(shape, params);
  return shape.map((d, a) => (typeof d === 'number' ? end[a]! - start[a]! : d));
}

// slice is linear: d slice(x) = slice(dx); its adjoint zero-pads the cotangent back to x's shape
export const sliceOp = defineOp<SliceParams>({
  name: 'slice',
  arity: 1,
  infer: ([x], params) => ({ dtype: x!.dtype, shape: slicedShape(x!.shape, params) }),
  jvp: (_x, [dx], params) => slice(dx!, params),
  vjp: (ct, [x], params) => {
    const { start, end } = sliceBounds(x!.shape, params);
    return [pad(ct, { before: start, after: x!.shape.map((d, a) => (typeof d === 'number' ? d - end[a]! : 0)) })];
  },
  lower: (ctx, [x], { starts, ends, axes = starts.map((_, i) => i) }) => ctx.emit('Slice', [x!, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)]),
  evaluate: ([x], params, out) => tensorOf(out.dtype, out.shape, gatherValues(x!, blockOffsets(out.shape, x!.shape, sliceBounds(x!.shape, params).start))),
});

/** The box starts[i] <= index < ends[i] along axes[i] (unit steps; ONNX index rules). */
export function slice(x: Tensor, params: SliceParams): Tensor {
  return apply(sliceOp, [x], params);
}
