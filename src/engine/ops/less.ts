import type { Tensor } from '../ir/tensor.js';
import { type TensorLike, applyBinary, comparison } from './rules.js';

export const lessOp = comparison({ name: 'less', onnx: 'Less', f: (a, b) => a < b });

/** Elementwise a < b as a bool tensor. */
export function less(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(lessOp, a, b);
}
