import { type AllocationFeedback, type AllocationRequest, type Allocator, type Statistics, roundAllocation } from './allocator.js';
import { type RunningStats, initStats, observeStats, sigmaOf, sigmaOfBatch } from './running-stats.js';

/**
 * Neyman allocation: nᵢ ∝ σ̂ᵢ, the allocation that minimises (1/B²) Σᵢ σᵢ²/nᵢ under
 * Σᵢ nᵢ = N (Lagrange: σᵢ²/nᵢ² equal for all i), reaching (Σᵢ σᵢ)²/(B²N) against
 * Σᵢ σᵢ²/(BN) for uniform. σ̂ᵢ comes from running per-example statistics (see
 * RunningStats), with `statistics: 'fresh'` from a pilot estimate at this step's θ, or
 * from `sigma` when given (known variances, as in tests).
 */
export class NeymanAllocator implements Allocator<RunningStats> {
  readonly name = 'neyman';
  readonly pilot?: 'variance';

  constructor(
    private readonly sigma?: (examples: Int32Array) => ArrayLike<number>,
    statistics: Statistics = 'running',
  ) {
    if (statistics === 'fresh') this.pilot = 'variance';
  }

  init(examples: number): RunningStats {
    return initStats(examples);
  }

  allocate(state: RunningStats, { examples, budget, minimum, unit = 1, fresh }: AllocationRequest): Int32Array {
    const sigma = this.sigma?.(examples) ?? (fresh?.variance ? sigmaOfBatch(fresh.variance) : sigmaOf(state, examples));
    return roundAllocation(sigma, budget, minimum, unit);
  }

  observe(state: RunningStats, feedback: AllocationFeedback): RunningStats {
    return observeStats(state, feedback);
  }
}
