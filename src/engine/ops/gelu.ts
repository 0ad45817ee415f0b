import type { Tensor } from '../ir/tensor.js';
import { erf as erfValue } from '../reference/kernels.js';
import { add } from './add.js';
import { erf } from './erf.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { apply } from './op-def.js';
import { unaryElementwise } from './rules.js';

// gelu(x) = x Φ(x), exact (erf) form;  d gelu(x) = (Φ(x) + x φ(x)) dx
// with Φ(x) = (1 + erf(x/√2)) / 2 and φ(x) = e^{-x²/2} / √(2π)
export const geluOp = unaryElementwise({
  name: 'gelu',
  onnx: 'Gelu',
  f: (x) => 0.5 * x * (1 + erfValue(x * Math.SQRT1_2)),
  derivative: (x) => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return add(cdf, mul(x, pdf));
  },
});

export function gelu(x: Tensor): Tensor {
  return apply(geluOp, [x], {});
}
