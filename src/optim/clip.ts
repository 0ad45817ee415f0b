import { positive } from './check.js';
import { emptyState, type EmptyState } from '../state/state.js';
import { type GradientTransformation, elementwise } from './transform.js';

/** u ← u·min(1, maxNorm/‖u‖₂): caps the length of the whole update, keeping its direction. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  positive('maxNorm', maxNorm);
  return elementwise(emptyState, () => [{ kind: 'clip-norm', maxNorm }]);
}

/** u ← clamp(u, −maxAbs, maxAbs), elementwise. */
export function clipByValue(maxAbs: number): GradientTransformation<EmptyState> {
  positive('maxAbs', maxAbs);
  return elementwise(emptyState, () => [{ kind: 'clamp', maxAbs }]);
}
