import type { Tensor } from '../ir/tensor.js';
import { cast } from './cast.js';
import { greater } from './greater.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// d relu(x) = [x > 0] dx
export const reluOp = unaryElementwise({
  name: 'relu',
  onnx: 'Relu',
  f: (x) => Math.max(x, 0),
  derivative: (x) => cast(greater(x, 0), x.dtype),
});

export function relu(x: Tensor): Tensor {
  return apply(reluOp, [x], {});
}
