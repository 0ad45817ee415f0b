import type { Tensor } from '../ir/tensor.js';
import { div } from './div.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// d √x = dx / (2 √x)
export const sqrtOp = unaryElementwise({ name: 'sqrt', onnx: 'Sqrt', f: Math.sqrt, derivative: (_x, y) => div(0.5, y) });

export function sqrt(x: Tensor): Tensor {
  return apply(sqrtOp, [x], {});
}
