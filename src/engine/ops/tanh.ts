import type { Tensor } from '../ir/tensor.js';
import { mul } from './mul.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';
import { sub } from './sub.js';

// d tanh(x) = (1 - y²) dx
export const tanhOp = unaryElementwise({ name: 'tanh', onnx: 'Tanh', f: Math.tanh, derivative: (_x, y) => sub(1, mul(y, y)) });

export function tanh(x: Tensor): Tensor {
  return apply(tanhOp, [x], {});
}
