import type { Tensor } from '../ir/tensor.js';
import { type TensorLike, applyBinary, comparison } from './rules.js';

export const equalOp = comparison({ name: 'equal', onnx: 'Equal', f: (a, b) => a === b });

/** Elementwise a == b as a bool tensor. */
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(equalOp, a, b);
}
