import { type Dim, formatShape, normalizeAxis, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { type LowerContext, ints, str } from '../onnx/lower-context.js';
import { tensorOf } from '../reference/kernels.js';
import { scatterAddValues, takeOffsets } from '../reference/indexing.js';
import { gather } from './gather.js';
import { apply, defineOp } from './op-def.js';

export interface ScatterAddParams {
  /** Non-negative. */
  readonly axis: number;
  /** Size of the output along `axis`. */
  readonly size: Dim;
}

/**
 * ScatterND with reduction 'add' along the first axis: `axis` moves to the front of the
 * output (zeros) and the indices' axes to the front of the updates, then back.
 */
function lowerScatterAdd(ctx: LowerContext, [updates, indices]: readonly string[], node: Tensor, { axis, size }: ScatterAddParams): string {
  const [u, idx] = node.inputs as [Tensor, Tensor];
  const pre = u.shape.slice(0, axis);
  const post = u.shape.slice(axis + idx.rank);
  const range = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  const zeros = ctx.emit('Expand', [ctx.scalar(0, node.dtype), ctx.shape([size, ...pre, ...post])]);
  const front = ctx.emit('Transpose', [updates!], { perm: ints([...range(idx.rank, axis), ...range(axis, 0), ...range(post.length, axis + idx.rank)]) });
  const picks = ctx.emit('Unsqueeze', [indices!, ctx.ints([idx.rank])]);
  const scattered = ctx.emit('ScatterND', [zeros, picks, front], { reduction: str('add') });
  return ctx.emit('Transpose', [scattered], { perm: ints([...range(axis, 1), 0, ...range(post.length, axis + 1)]) });
}

// scatterAdd is linear in the updates and gather's adjoint: d scatterAdd(u, i) = scatterAdd(du, i), adjoint gather(ct, i)
export const scatterAddOp = defineOp<ScatterAddParams>({
  name: 'scatterAdd',
  arity: 2,
  infer: ([updates, indices], { axis, size }) => {
    if (indices!.dtype !== 'int64') throw new TypeError(`indices must be int64, got ${indices!.dtype}`);
    const picked = updates!.shape.slice(axis, axis + indices!.shape.length);
    if (!Number.isInteger(axis) || axis < 0 || axis + indices!.shape.length > updates!.shape.length || !shapesEqual(picked, indices!.shape)) {
      throw new RangeError(`updates need the indices' shape ${formatShape(indices!.shape)} at axis ${axis}`);
    }
    return { dtype: updates!.dtype, shape: [...updates!.shape.slice(0, axis), size, ...updates!.shape.slice(axis + indices!.shape.length)] };
  },
  jvp: ([, indices], [du], { axis, size }) => scatterAdd(du!, indices!, axis, size),
  vjp: (ct, [, indices], { axis }) => [gather(ct, indices!, axis), null],
  lower: (ctx, inputs, params, node) => lowerScatterAdd(ctx, inputs, node, params),
  evaluate: ([updates, indices], { axis }, out) => {
    const values = new Float64Array(out.shape.reduce((p, d) => p * d, 1));
    return tensorOf(out.dtype, out.shape, scatterAddValues(values, updates!, takeOffsets(out.shape, axis, indices!)));
  },
});

/**
 * The adjoint of gather: a zero tensor with `size` entries along `axis`, to which each
 * slice of `updates` is added at its index (repeated indices accumulate).
 */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: Dim): Tensor {
  return apply(scatterAddOp, [updates, indices], { axis: normalizeAxis(axis, updates.rank - indices.rank + 1), size });
}
