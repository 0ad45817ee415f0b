import type { Tensor } from '../ir/tensor.js';
import { div } from './div.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// d log(x) = dx / x
export const logOp = unaryElementwise({ name: 'log', onnx: 'Log', f: Math.log, derivative: (x) => div(1, x) });

export function log(x: Tensor): Tensor {
  return apply(logOp, [x], {});
}
