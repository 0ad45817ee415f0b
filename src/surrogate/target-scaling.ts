import { checkChoice } from './check.js';

/**
 * How targets are rescaled before a Gaussian process sees them, ỹ = (y − offset) / scale:
 *   'standardize': zero mean, unit variance (offset = mean, scale = population standard deviation),
 *                  as sklearn's normalize_y=True, which bayes_opt and so ZoRD's code use;
 *   'min-max':     onto [0, 1] (offset = min, scale = max − min), as FZooS's code does;
 *   'none':        offset 0, scale 1.
 * A zero spread (one point, or equal values) gives scale 1, as sklearn does.
 */
export type TargetScaling = 'standardize' | 'min-max' | 'none';

export const TARGET_SCALINGS: readonly TargetScaling[] = ['standardize', 'min-max', 'none'];

export interface Affine {
  readonly offset: number;
  readonly scale: number;
}

export function targetAffine(values: Float64Array, scaling: TargetScaling): Affine {
  checkChoice('targetScaling', scaling, TARGET_SCALINGS);
  if (scaling === 'none') return { offset: 0, scale: 1 };
  if (scaling === 'min-max') {
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return { offset: min, scale: max > min ? max - min : 1 };
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / values.length);
  return { offset: mean, scale: sd > 0 ? sd : 1 };
}

export function applyAffine(values: Float64Array, { offset, scale }: Affine): Float64Array {
  return values.map((v) => (v - offset) / scale);
}
