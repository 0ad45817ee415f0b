import type { Tensor } from '../ir/tensor.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// d exp(x) = exp(x) dx
export const expOp = unaryElementwise({ name: 'exp', onnx: 'Exp', f: Math.exp, derivative: (_x, y) => y });

export function exp(x: Tensor): Tensor {
  return apply(expOp, [x], {});
}
