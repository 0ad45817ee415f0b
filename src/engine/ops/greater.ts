import type { Tensor } from '../ir/tensor.js';
import { type TensorLike, applyBinary, comparison } from './rules.js';

export const greaterOp = comparison({ name: 'greater', onnx: 'Greater', f: (a, b) => a > b });

/** Elementwise a > b as a bool tensor. */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(greaterOp, a, b);
}
