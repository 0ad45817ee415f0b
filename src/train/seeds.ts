import { type Seed, deriveSeed } from '../rng/index.js';

/** Stream ids under a run's seed: initial parameters and estimator noise (the batch order uses the seed itself; 3 and 4: run-hooks.ts). */
const INIT_STREAM = 1;
const NOISE_STREAM = 2;

/**
 * The independent seeds a run derives from its one seed: `init` for θ₀ (`model.init`),
 * `noise` for the estimator. The trainer and the browser playground both use them, so the
 * same seed starts the same run everywhere.
 */
export function runSeeds(seed: Seed): { readonly init: Seed; readonly noise: Seed } {
  return { init: deriveSeed(seed, INIT_STREAM), noise: deriveSeed(seed, NOISE_STREAM) };
}
