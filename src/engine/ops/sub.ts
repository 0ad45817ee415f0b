import type { Tensor } from '../ir/tensor.js';
import { neg } from './neg.js';
import { type TensorLike, applyBinary, binaryElementwise, expandTo, sumToShape } from './rules.js';

// d(a - b) = da - db
export const subOp = binaryElementwise({
  name: 'sub',
  onnx: 'Sub',
  f: (a, b) => a - b,
  jvp: (_p, [da, db], _q, out) => expandTo(da === null ? neg(db!) : db === null ? da : sub(da, db), out.shape),
  vjp: (ct, [a, b]) => [sumToShape(ct, a!.shape), sumToShape(neg(ct), b!.shape)],
});

export function sub(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(subOp, a, b);
}
