import type { Tensor } from '../ir/tensor.js';
import { cast } from './cast.js';
import { greater } from './greater.js';
import { less } from './less.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';
import { sub } from './sub.js';

// d |x| = sign(x) dx, with sign(x) = [x > 0] - [x < 0]
export const absOp = unaryElementwise({
  name: 'abs',
  onnx: 'Abs',
  f: Math.abs,
  derivative: (x) => sub(cast(greater(x, 0), x.dtype), cast(less(x, 0), x.dtype)),
});

export function abs(x: Tensor): Tensor {
  return apply(absOp, [x], {});
}
