import { scaleByAdam, type ScaleByAdamOptions } from './adam.js';
import { scaleByLearningRate } from './learning-rate.js';
import { scaleByMomentum } from './momentum.js';
import type { Schedule } from './schedules.js';
import { chain, type GradientTransformation } from './transform.js';
import { addDecayedWeights } from './weight-decay.js';

export interface SgdOptions {
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** Coupled L2 (PyTorch SGD's weight_decay): wd·θ joins the gradient before momentum. */
  readonly weightDecay?: number;
}

/** θ ← θ − lr·(g + wd·θ), through heavy-ball or Nesterov momentum when `momentum` > 0. */
export function sgd(lr: number | Schedule, { momentum = 0, nesterov = false, weightDecay = 0 }: SgdOptions = {}): GradientTransformation {
  if (nesterov && momentum === 0) throw new RangeError('nesterov needs momentum > 0');
  return chain(...decay(weightDecay), ...(momentum === 0 ? [] : [scaleByMomentum(momentum, { nesterov })]), scaleByLearningRate(lr));
}

export interface AdamOptions extends ScaleByAdamOptions {
  readonly weightDecay?: number;
}

/** Adam; `weightDecay` here is coupled L2, normalised along with the gradient (torch.optim.Adam's weight_decay). */
export function adam(lr: number | Schedule, { weightDecay = 0, ...moments }: AdamOptions = {}): GradientTransformation {
  return chain(...decay(weightDecay), scaleByAdam(moments), scaleByLearningRate(lr));
}

/** AdamW: weight decay decoupled from the moments, θ ← θ − lr·(m̂/(√v̂ + eps) + wd·θ) (Loshchilov & Hutter; optax's default wd). */
export function adamw(lr: number | Schedule, { weightDecay = 1e-4, ...moments }: AdamOptions = {}): GradientTransformation {
  return chain(scaleByAdam(moments), ...decay(weightDecay), scaleByLearningRate(lr));
}

/** addDecayedWeights as a chain segment, empty for wd = 0 so that no pass over θ is wasted. */
const decay = (weightDecay: number): GradientTransformation[] => (weightDecay === 0 ? [] : [addDecayedWeights(weightDecay)]);
