import { decayRate, nonNegative } from './check.js';
import type { GradientTransformation } from './transform.js';

export type AdamState = { readonly mu: Float32Array; readonly nu: Float32Array };

export interface ScaleByAdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/**
 * m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; u ← m̂/(√v̂ + eps) with the bias-corrected
 * m̂ = m/(1−b1^t), v̂ = v/(1−b2^t), t = step + 1 (Kingma & Ba, 2015).
 */
export function scaleByAdam({ b1 = 0.9, b2 = 0.999, eps = 1e-8 }: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  decayRate('b1', b1);
  decayRate('b2', b2);
  nonNegative('eps', eps);
  return {
    init: (params) => ({ mu: new Float32Array(params.length), nu: new Float32Array(params.length) }),
    update(updates, state, _params, step) {
      const { mu, nu } = state;
      // The bias corrections are per step, so the powers stay out of the loop.
      const c1 = 1 / (1 - b1 ** (step + 1));
      const c2 = 1 / (1 - b2 ** (step + 1));
      for (let i = 0; i < updates.length; i++) {
        const g = updates[i]!;
        const m = b1 * mu[i]! + (1 - b1) * g;
        const v = b2 * nu[i]! + (1 - b2) * g * g;
        mu[i] = m;
        nu[i] = v;
        updates[i] = (m * c1) / (Math.sqrt(v * c2) + eps);
      }
      return { updates, state };
    },
  };
}
