import type { Tensor } from '../ir/tensor.js';
import { mul } from './mul.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';
import { sub } from './sub.js';

// d σ(x) = y (1 - y) dx
export const sigmoidOp = unaryElementwise({
  name: 'sigmoid',
  onnx: 'Sigmoid',
  f: (x) => 1 / (1 + Math.exp(-x)),
  derivative: (_x, y) => mul(y, sub(1, y)),
});

export function sigmoid(x: Tensor): Tensor {
  return apply(sigmoidOp, [x], {});
}
