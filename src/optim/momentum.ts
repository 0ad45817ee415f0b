import { decayRate } from './check.js';
import { type GradientTransformation, elementwise } from './transform.js';

export type MomentumState = { readonly trace: Float32Array };

/**
 * t ← g + β·t; u ← t (heavy ball) or u ← g + β·t (Nesterov), as optax.trace and PyTorch's
 * SGD without dampening.
 */
export function scaleByMomentum(momentum: number, { nesterov = false } = {}): GradientTransformation<MomentumState> {
  const beta = decayRate('momentum', momentum);
  return elementwise((params) => ({ trace: new Float32Array(params.length) }), ({ trace }) => [{ kind: 'momentum', trace, beta, nesterov }]);
}
