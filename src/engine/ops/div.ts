import type { Tensor } from '../ir/tensor.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { type TensorLike, applyBinary, binaryElementwise, expandTo, sumToShape } from './rules.js';
import { sub } from './sub.js';

// d(a / b) = (da - (a/b) db) / b
export const divOp = binaryElementwise({
  name: 'div',
  onnx: 'Div',
  f: (a, b) => a / b,
  jvp: ([, b], [da, db], _q, out) => {
    const numerator = db === null ? da! : da === null ? neg(mul(out, db)) : sub(da, mul(out, db));
    return expandTo(div(numerator, b!), out.shape);
  },
  vjp: (ct, [a, b], _q, out) => {
    const scaled = div(ct, b!);
    return [sumToShape(scaled, a!.shape), sumToShape(neg(mul(scaled, out)), b!.shape)];
  },
});

export function div(a: TensorLike, b: TensorLike): Tensor {
  return applyBinary(divOp, a, b);
}
