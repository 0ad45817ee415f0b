import { type Shape, formatShape, normalizeAxis } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { int } from '../onnx/lower-context.js';
import { tensorOf } from '../reference/kernels.js';
import { blockOffsets, scatterAddValues } from '../reference/indexing.js';
import { apply, defineOp } from './op-def.js';
import { type AxisParams, requireSameDtype, zerosLike } from './rules.js';
import { slice } from './slice.js';

/** Where each input starts along the concatenation axis. */
function offsets(xs: readonly { shape: Shape }[], axis: number): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const x of xs) {
    starts.push(at);
    at += x.shape[axis] as number;
  }
  return starts;
}

// concat is linear: d concat(xs) = concat(dxs); its adjoint slices the cotangent back into pieces
export const concatOp = defineOp<AxisParams>({
  name: 'concat',
  arity: { min: 1 },
  infer: (xs, { axis }) => {
    const dtype = requireSameDtype(xs);
    const first = xs[0]!.shape;
    const a = normalizeAxis(axis, first.length);
    for (const x of xs) {
      if (x.shape.length !== first.length || x.shape.some((d, i) => i !== a && d !== first[i])) {
        throw new RangeError(`shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} differ outside axis ${a}`);
      }
      if (typeof x.shape[a] !== 'number') throw new RangeError(`axis ${a} must have concrete sizes, got ${formatShape(x.shape)}`);
    }
    const total = xs.reduce((s, x) => s + (x.shape[a] as number), 0);
    return { dtype, shape: first.map((d, i) => (i === a ? total : d)) };
  },
  jvp: (xs, dxs, { axis }) => concat(dxs.map((dx, i) => dx ?? zerosLike(xs[i]!)), axis),
  vjp: (ct, xs, { axis }) => {
    const a = normalizeAxis(axis, ct.rank);
    const starts = offsets(xs, a);
    return xs.map((x, i) => slice(ct, { starts: [starts[i]!], ends: [starts[i]! + (x.shape[a] as number)], axes: [a] }));
  },
  lower: (ctx, xs, { axis }) => ctx.emit('Concat', xs, { axis: int(axis) }),
  evaluate: (xs, { axis }, out) => {
    const a = normalizeAxis(axis, out.shape.length);
    const starts = offsets(xs, a);
    const values = new Float64Array(out.shape.reduce((p, d) => p * d, 1));
    xs.forEach((x, i) => scatterAddValues(values, x, blockOffsets(x.shape, out.shape, out.shape.map((_, d) => (d === a ? starts[i]! : 0)))));
    return tensorOf(out.dtype, out.shape, values);
  },
});

/** Joins tensors along `axis` (negative counts from the end); other dims must be equal. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  return xs.length === 1 ? xs[0]! : apply(concatOp, xs, { axis });
}
