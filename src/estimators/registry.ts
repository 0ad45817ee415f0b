import type { Model } from '../nn/model.js';
import { Backprop } from './bp.js';
import { CoordinateEstimator } from './cge.js';
import { DirectFeedbackAlignment } from './dfa.js';
import type { Estimator, EstimatorOptions } from './estimator.js';
import { ForwardGradientActivities } from './fg-a.js';
import { ForwardGradientWeights } from './fg-w.js';
import { LocalBackprop } from './local-bp.js';
import { LikelihoodRatio } from './lr.js';
import { LocalForwardGradientActivities } from './lg-fg-a.js';
import { LocalForwardGradientWeights } from './lg-fg-w.js';
import { Spsa } from './spsa.js';

type Factory = (model: Model, options: EstimatorOptions) => Estimator;

/**
 * Every estimator by its CLI name. The local-loss methods (l-*, lg-*) follow Ren et al.
 * (2023): L = per-block losses split per patch, LG = also per channel group; they need a
 * model with local heads (localmixer).
 */
export const ESTIMATORS = {
  bp: (m, o) => new Backprop(m, o),
  'l-bp': (m, o) => new LocalBackprop(m, { ...o, granularity: 'patch' }),
  'lg-bp': (m, o) => new LocalBackprop(m, { ...o, granularity: 'group' }),
  fa: (m, o) => new Backprop(m, { ...o, feedback: true }),
  'l-fa': (m, o) => new LocalBackprop(m, { ...o, granularity: 'patch', feedback: true }),
  'lg-fa': (m, o) => new LocalBackprop(m, { ...o, granularity: 'group', feedback: true }),
  dfa: (m, o) => new DirectFeedbackAlignment(m, o),
  'fg-w': (m, o) => new ForwardGradientWeights(m, o),
  'fg-a': (m, o) => new ForwardGradientActivities(m, o),
  'lg-fg-w': (m, o) => new LocalForwardGradientWeights(m, o),
  'lg-fg-a': (m, o) => new LocalForwardGradientActivities(m, o),
  lr: (m, o) => new LikelihoodRatio(m, o),
  spsa: (m, o) => new Spsa(m, o),
  cge: (m, o) => new CoordinateEstimator(m, o),
} as const satisfies Record<string, Factory>;

export type EstimatorName = keyof typeof ESTIMATORS;

export function isEstimatorName(name: string): name is EstimatorName {
  return Object.hasOwn(ESTIMATORS, name);
}

export function createEstimator(name: string, model: Model, options: EstimatorOptions = {}): Estimator {
  if (!isEstimatorName(name)) throw new RangeError(`unknown method '${name}'; methods: ${Object.keys(ESTIMATORS).join(', ')}`);
  return ESTIMATORS[name](model, options);
}
