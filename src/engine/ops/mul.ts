import type { Tensor } from '../ir/tensor.js';
import { type TensorLike, addAll, applyBinary, binaryElementwise, expandTo, sumToShape } from './rules.js';

// d(a b) = da b + a db
export const mulOp = binaryElementwise({
  name: 'mul',
  onnx: 'Mul',
  f: (a, b) => a * b,
  jvp: ([a, b], [da, db], _q, out) => expandTo(addAll(da && mul(da, b!), db && mul(a!, db))!, out.shape),
  vjp: (ct, [a, b]) => [sumToShape(mul(ct, b!), a!.shape), sumToShape(mul(a!, ct), b!.shape)],
});

export function mul(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(mulOp, a, b);
}
