import { decayRate } from './check.js';
import type { GradientTransformation } from './transform.js';

export type MomentumState = { readonly trace: Float32Array };

/**
 * t ← g + β·t; u ← t (heavy ball) or u ← g + β·t (Nesterov), as optax.trace and PyTorch's
 * SGD without dampening.
 */
export function scaleByMomentum(momentum: number, { nesterov = false } = {}): GradientTransformation<MomentumState> {
  const beta = decayRate('momentum', momentum);
  return {
    init: (params) => ({ trace: new Float32Array(params.length) }),
    update(updates, state) {
      const { trace } = state;
      // Two loops rather than a branch per element.
      if (nesterov) {
        for (let i = 0; i < updates.length; i++) {
          const g = updates[i]!;
          const t = g + beta * trace[i]!;
          trace[i] = t;
          updates[i] = g + beta * t;
        }
      } else {
        for (let i = 0; i < updates.length; i++) updates[i] = trace[i] = updates[i]! + beta * trace[i]!;
      }
      return { updates, state };
    },
  };
}
