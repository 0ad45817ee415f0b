import { type Seed, deriveSeed } from '../rng/index.js';

/**
 * Every stream id a run derives from its one seed, in one table so that no two consumers
 * share a stream (the batch order and a CSV's train/test split use ids of their own, in
 * data/batches.ts and data/split.ts). Until 2026-11-30 the allocator, the held-out split
 * and MGD's update noise all used 3, and the variance pilot and the regrowth estimator
 * both used 4: a run with a pilot and sub-nets drew the same directions for both.
 */
export const RUN_STREAMS = {
  /** θ₀ (`model.init`). */
  init: 1,
  /** The estimator's noise. */
  noise: 2,
  /** A seeded allocator's own draws (train/allocation.ts). */
  allocator: 3,
  /** The variance pilot's estimator (train/allocation.ts). */
  pilot: 4,
  /** The permutation that picks the held-out examples (train/run-hooks.ts). */
  holdout: 5,
  /** The regrowth estimator of sub-nets (train/run-hooks.ts). */
  regrow: 6,
  /** The update noise of MGD's runs (experiments/mgd-run.ts). */
  updateNoise: 7,
} as const;

/** The seed of one consumer of a run's randomness (RUN_STREAMS). */
export function runStream(seed: Seed, stream: keyof typeof RUN_STREAMS): Seed {
  return deriveSeed(seed, RUN_STREAMS[stream]);
}

/**
 * The independent seeds a run derives from its one seed: `init` for θ₀ (`model.init`),
 * `noise` for the estimator. The trainer and the browser playground both use them, so the
 * same seed starts the same run everywhere.
 */
export function runSeeds(seed: Seed): { readonly init: Seed; readonly noise: Seed } {
  return { init: runStream(seed, 'init'), noise: runStream(seed, 'noise') };
}
