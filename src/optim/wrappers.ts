import { fillGaussian } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import type { State } from '../state/state.js';
import { nonNegative, positiveInteger } from './check.js';
import { runStages } from './stages.js';
import { type GradientTransformation, elementwise } from './transform.js';

/**
 * masked(mask, inner): only entries where the mask is 1 learn. The gradient is zeroed on
 * masked entries before `inner` sees it and the updates after, so those parameters stay
 * exactly where they are — what sparse training needs (optax's `masked` instead passes
 * masked-out updates through untransformed). `mask` is 0/1 per entry of θ, or a function
 * of the update count when the mask changes over time (alternating sub-nets).
 */
export function masked<S extends State>(mask: Float32Array | ((step: number) => Float32Array), inner: GradientTransformation<S>): GradientTransformation<S> {
  const maskAt = typeof mask === 'function' ? mask : () => mask;
  const innerStages = inner.stages?.bind(inner);
  if (innerStages) {
    return elementwise(
      (params) => inner.init(params),
      (state, step) => {
        const m = maskAt(step);
        return [{ kind: 'mask', mask: m }, ...innerStages(state, step), { kind: 'mask', mask: m }];
      },
    );
  }
  return {
    init: (params) => inner.init(params),
    update(updates, state, params, step) {
      const m = maskAt(step);
      runStages([{ kind: 'mask', mask: m }], updates, params, 'updates');
      const result = inner.update(updates, state, params, step);
      runStages([{ kind: 'mask', mask: m }], result.updates, params, 'updates');
      return result;
    },
  };
}

/** everyK's state: the gradients summed since the last update, how many, and the inner state. */
export type EveryKState<S extends State> = { readonly sum: Float32Array; readonly count: number; readonly inner: S };

/**
 * everyK(k, inner), optax's MultiSteps: gradients are accumulated over k calls and the
 * inner transformation sees their mean on every k-th call; the other calls return zero
 * updates without touching the inner state (so Adam or momentum do not keep moving on
 * zero gradients). The inner step count is the number of inner updates so far.
 */
export function everyK<S extends State>(k: number, inner: GradientTransformation<S>): GradientTransformation<EveryKState<S>> {
  positiveInteger('k', k);
  return {
    init: (params) => ({ sum: new Float32Array(params.length), count: 0, inner: inner.init(params) }),
    update(updates, state, params, step) {
      const sum = state.sum;
      for (let i = 0; i < updates.length; i++) sum[i]! += updates[i]!;
      const count = state.count + 1;
      if (count < k) {
        updates.fill(0);
        return { updates, state: { sum, count, inner: state.inner } };
      }
      for (let i = 0; i < updates.length; i++) updates[i] = sum[i]! / k;
      sum.fill(0);
      const result = inner.update(updates, state.inner, params, Math.floor(step / k));
      return { updates: result.updates, state: { sum, count: 0, inner: result.state } };
    },
  };
}

/**
 * updateNoise(σ, seed, inner): the inner updates plus σ·N(0, 1) on every parameter, drawn
 * from (seed, update count) so a replay adds the same noise — the imprecise writes of
 * analog weights (θσ of McCaughan et al. 2023; their code adds one draw to all
 * parameters, which we take for a slip: here each parameter has its own). σ = 0 is
 * `inner` itself, so a noiseless run is bit for bit the clean one.
 */
export function updateNoise<S extends State>(sigma: number, seed: Seed, inner: GradientTransformation<S>): GradientTransformation<S> {
  nonNegative('sigma', sigma);
  if (sigma === 0) return inner;
  return {
    init: (params) => inner.init(params),
    update(updates, state, params, step) {
      const result = inner.update(updates, state, params, step);
      const noise = new Float32Array(result.updates.length);
      fillGaussian(noise, deriveSeed(seed, step), 0, sigma);
      for (let i = 0; i < noise.length; i++) result.updates[i]! += noise[i]!;
      return result;
    },
  };
}
