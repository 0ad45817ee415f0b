import { type DType, isFloat } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';
import type { Tensor } from '../ir/tensor.js';
import { ONNX_DTYPE } from '../onnx/dtypes.js';
import { int } from '../onnx/lower-context.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';

export interface OneHotParams {
  readonly depth: number;
  readonly dtype: DType;
}

// Labels are integers: no derivative flows through a one-hot encoding.
export const oneHotOp = defineOp<OneHotParams>({
  name: 'oneHot',
  arity: 1,
  infer: ([labels], { depth, dtype }) => {
    if (labels!.dtype !== 'int64') throw new TypeError(`labels must be int64, got ${labels!.dtype}`);
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be a positive integer, got ${depth}`);
    if (!isFloat(dtype)) throw new TypeError(`output dtype must be float32 or float64, got ${dtype}`);
    return { dtype, shape: [...labels!.shape, depth] };
  },
  jvp: () => null,
  vjp: () => [null],
  // int64 on/off values, then a Cast: onnxruntime has OneHot kernels for few value types.
  lower: (ctx, [labels], { depth, dtype }) => {
    const values = ctx.constant(new HostTensor('int64', [2], BigInt64Array.of(0n, 1n)));
    const hot = ctx.emit('OneHot', [labels!, ctx.scalar(depth, 'int64'), values], { axis: int(-1) });
    return ctx.emit('Cast', [hot], { to: int(ONNX_DTYPE[dtype]) });
  },
  // Like ONNX, a label in [-depth, 0) counts from the end and any other out-of-range label gives zeros.
  evaluate: ([labels], { depth }, out) => {
    const v = valuesOf(labels!);
    const result = new Float64Array(v.length * depth);
    for (let i = 0; i < v.length; i++) {
      const k = v[i]! < 0 ? v[i]! + depth : v[i]!;
      if (k >= 0 && k < depth) result[i * depth + k] = 1;
    }
    return tensorOf(out.dtype, out.shape, result);
  },
});

/** [..., depth] one-hot encoding of int64 `labels` (class indices below `depth`). */
export function oneHot(labels: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  return apply(oneHotOp, [labels], { depth, dtype });
}
