import { decayRate, nonNegative } from './check.js';
import { type GradientTransformation, elementwise } from './transform.js';

export type AdamState = { readonly mu: Float32Array; readonly nu: Float32Array };

export interface ScaleByAdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/**
 * m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; u ← m̂/(√v̂ + eps) with the bias-corrected
 * m̂ = m/(1−b1^t), v̂ = v/(1−b2^t), t = step + 1 (Kingma & Ba, 2015). The moments cost
 * two parameter-sized buffers (2P floats): for zeroth-order training at inference-level
 * memory, SGD holds none.
 */
export function scaleByAdam({ b1 = 0.9, b2 = 0.999, eps = 1e-8 }: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  decayRate('b1', b1);
  decayRate('b2', b2);
  nonNegative('eps', eps);
  return elementwise(
    (params) => ({ mu: new Float32Array(params.length), nu: new Float32Array(params.length) }),
    // The bias corrections are per step, so the powers stay out of the per-parameter pass.
    ({ mu, nu }, step) => [{ kind: 'adam', mu, nu, b1, b2, c1: 1 / (1 - b1 ** (step + 1)), c2: 1 / (1 - b2 ** (step + 1)), eps }],
  );
}
