import type { Tensor } from '../ir/tensor.js';
import { erf as erfValue } from '../reference/kernels.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// d erf(x) = 2/√π e^{-x²} dx
export const erfOp = unaryElementwise({
  name: 'erf',
  onnx: 'Erf',
  f: erfValue,
  derivative: (x) => mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)),
});

export function erf(x: Tensor): Tensor {
  return apply(erfOp, [x], {});
}
