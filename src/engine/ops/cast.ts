import { type DType, isFloat } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import { ONNX_DTYPE } from '../onnx/dtypes.js';
import { int } from '../onnx/lower-context.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';

export interface CastParams {
  readonly dtype: DType;
}

const differentiable = (from: DType, to: DType) => isFloat(from) && isFloat(to);

// d cast(x) = cast(dx) between float types; zero otherwise
export const castOp = defineOp<CastParams>({
  name: 'cast',
  arity: 1,
  infer: ([x], { dtype }) => ({ dtype, shape: x!.shape }),
  jvp: ([x], [dx], { dtype }) => (differentiable(x!.dtype, dtype) ? cast(dx!, dtype) : null),
  vjp: (ct, [x], { dtype }) => [differentiable(x!.dtype, dtype) ? cast(ct, x!.dtype) : null],
  lower: (ctx, [x], { dtype }) => ctx.emit('Cast', [x!], { to: int(ONNX_DTYPE[dtype]) }),
  evaluate: ([x], { dtype }, out) => {
    const v = valuesOf(x!);
    return tensorOf(dtype, out.shape, dtype === 'bool' ? Array.from(v, (e) => (e !== 0 ? 1 : 0)) : v);
  },
});

/** Converts to `dtype` (a no-op when x already has it). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : apply(castOp, [x], { dtype });
}
