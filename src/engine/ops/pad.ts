import { formatShape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { tensorOf } from '../reference/kernels.js';
import { blockOffsets, scatterAddValues } from '../reference/indexing.js';
import { apply, defineOp } from './op-def.js';
import { slice } from './slice.js';

/** Zeros added before and after every axis. */
export interface PadParams {
  readonly before: readonly number[];
  readonly after: readonly number[];
}

// pad is linear: d pad(x) = pad(dx); its adjoint slices the cotangent back to x's box
export const padOp = defineOp<PadParams>({
  name: 'pad',
  arity: 1,
  infer: ([x], { before, after }) => {
    if (before.length !== x!.shape.length || after.length !== x!.shape.length) {
      throw new RangeError(`before and after need one entry per axis (${x!.shape.length}), got ${before.length} and ${after.length}`);
    }
    const shape = x!.shape.map((d, a) => {
      const [b, e] = [before[a]!, after[a]!];
      if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0) throw new RangeError(`pads must be integers >= 0 (slice to crop), got ${b} and ${e} on axis ${a}`);
      if (b + e === 0) return d;
      if (typeof d !== 'number') throw new RangeError(`axis ${a} of ${formatShape(x!.shape)} is symbolic and cannot be padded`);
      return b + d + e;
    });
    return { dtype: x!.dtype, shape };
  },
  jvp: (_x, [dx], params) => pad(dx!, params),
  vjp: (ct, [x], { before, after }) => {
    const axes = x!.shape.map((_, a) => a).filter((a) => before[a]! + after[a]! > 0);
    return [slice(ct, { starts: axes.map((a) => before[a]!), ends: axes.map((a) => before[a]! + (x!.shape[a] as number)), axes })];
  },
  lower: (ctx, [x], { before, after }) => ctx.emit('Pad', [x!, ctx.ints([...before, ...after])]),
  evaluate: ([x], { before }, out) => {
    const values = new Float64Array(out.shape.reduce((p, d) => p * d, 1));
    return tensorOf(out.dtype, out.shape, scatterAddValues(values, x!, blockOffsets(x!.shape, out.shape, before)));
  },
});

/** Pads with zeros: `before[a]` and `after[a]` entries along each axis a. */
export function pad(x: Tensor, params: PadParams): Tensor {
  return apply(padOp, [x], params);
}
