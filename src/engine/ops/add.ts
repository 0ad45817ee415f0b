import type { Tensor } from '../ir/tensor.js';
import { type TensorLike, addAll, applyBinary, binaryElementwise, expandTo, sumToShape } from './rules.js';

// d(a + b) = da + db
export const addOp = binaryElementwise({
  name: 'add',
  onnx: 'Add',
  f: (a, b) => a + b,
  jvp: (_p, [da, db], _q, out) => expandTo(addAll(da!, db!)!, out.shape),
  vjp: (ct, [a, b]) => [sumToShape(ct, a!.shape), sumToShape(ct, b!.shape)],
});

export function add(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(addOp, a, b);
}
