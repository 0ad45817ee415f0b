import { nonNegative } from './check.js';
import { emptyState, type EmptyState } from '../state/state.js';
import { type GradientTransformation, elementwise } from './transform.js';

/**
 * u ← u + wd·θ. Its place in a chain decides what it is: first, before momentum or Adam,
 * it is coupled L2 regularisation (the gradient of wd/2·‖θ‖² joins the gradient and is
 * averaged and normalised with it); after them, just before the learning rate, it is
 * decoupled weight decay, θ shrinking by lr·wd·θ per step (AdamW).
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<EmptyState> {
  const wd = nonNegative('weightDecay', weightDecay);
  return elementwise(emptyState, () => [{ kind: 'add-params', factor: wd }]);
}
