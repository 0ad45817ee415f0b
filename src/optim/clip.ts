import { positive } from './check.js';
import { emptyState, type EmptyState } from '../state/state.js';
import type { GradientTransformation } from './transform.js';

/** u ← u·min(1, maxNorm/‖u‖₂): caps the length of the whole update, keeping its direction. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  positive('maxNorm', maxNorm);
  return {
    init: emptyState,
    update(updates, state) {
      let sumSquares = 0;
      for (let i = 0; i < updates.length; i++) sumSquares += updates[i]! * updates[i]!;
      const norm = Math.sqrt(sumSquares);
      if (norm > maxNorm) {
        const factor = maxNorm / norm;
        for (let i = 0; i < updates.length; i++) updates[i] *= factor;
      }
      return { updates, state };
    },
  };
}

/** u ← clamp(u, −maxAbs, maxAbs), elementwise. */
export function clipByValue(maxAbs: number): GradientTransformation<EmptyState> {
  positive('maxAbs', maxAbs);
  return {
    init: emptyState,
    update(updates, state) {
      for (let i = 0; i < updates.length; i++) updates[i] = Math.min(maxAbs, Math.max(-maxAbs, updates[i]!));
      return { updates, state };
    },
  };
}
