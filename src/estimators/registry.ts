import type { Model } from '../nn/model.js';
import { Backprop } from './bp.js';
import { CoordinateEstimator } from './cge.js';
import type { Estimator, EstimatorOptions } from './estimator.js';
import { ForwardGradientActivities } from './fg-a.js';
import { ForwardGradientWeights } from './fg-w.js';
import { Spsa } from './spsa.js';

/** Every estimator by its CLI name. */
export const ESTIMATORS = {
  bp: Backprop,
  spsa: Spsa,
  'fg-w': ForwardGradientWeights,
  'fg-a': ForwardGradientActivities,
  cge: CoordinateEstimator,
} as const satisfies Record<string, new (model: Model, options?: EstimatorOptions) => Estimator>;

export type EstimatorName = keyof typeof ESTIMATORS;

export function isEstimatorName(name: string): name is EstimatorName {
  return Object.hasOwn(ESTIMATORS, name);
}

export function createEstimator(name: string, model: Model, options: EstimatorOptions = {}): Estimator {
  if (!isEstimatorName(name)) throw new RangeError(`unknown method '${name}'; methods: ${Object.keys(ESTIMATORS).join(', ')}`);
  return new ESTIMATORS[name](model, options);
}
