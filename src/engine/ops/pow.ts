import type { Tensor } from '../ir/tensor.js';
import { equal } from './equal.js';
import { log } from './log.js';
import { mul } from './mul.js';
import { type TensorLike, addAll, applyBinary, binaryElementwise, expandTo, floatType, sumToShape } from './rules.js';
import { sub } from './sub.js';
import { where } from './where.js';

// d(xʸ) = y xʸ⁻¹ dx + xʸ log(x) dy. The log term only enters the graph for a varying
// exponent, so constant exponents work for x < 0; at x = 0 it is taken as its limit 0.
// A constant square (exported LayerNorms' variance) gets 2x: the same values as 2·x¹
// without a Pow kernel, which costs several elementwise ops on a CPU.
const byBase = (x: Tensor, y: Tensor) => (scalarConstant(y) === 2 ? mul(x, 2) : mul(y, pow(x, sub(y, 1))));
const scalarConstant = (t: Tensor) => (t.source.kind === 'constant' && t.source.value.size === 1 ? Number(t.source.value.data[0]) : undefined);
const byExponent = (x: Tensor, out: Tensor) => mul(out, log(where(equal(x, 0), 1, x)));

export const powOp = binaryElementwise({
  name: 'pow',
  onnx: 'Pow',
  f: Math.pow,
  infer: floatType,
  jvp: ([x, y], [dx, dy], _q, out) => expandTo(addAll(dx && mul(dx, byBase(x!, y!)), dy && mul(dy, byExponent(x!, out)))!, out.shape),
  vjp: (ct, [x, y], _q, out) => [sumToShape(mul(ct, byBase(x!, y!)), x!.shape), sumToShape(mul(ct, byExponent(x!, out)), y!.shape)],
});

/** Elementwise xʸ with numpy broadcasting. */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  return applyBinary(powOp, x, y);
}
