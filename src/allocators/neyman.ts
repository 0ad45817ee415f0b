import { type AllocationFeedback, type AllocationRequest, type Allocator, roundAllocation } from './allocator.js';
import { type RunningStats, initStats, observeStats, sigmaOf } from './running-stats.js';

/**
 * Neyman allocation: nᵢ ∝ σ̂ᵢ, the allocation that minimises (1/B²) Σᵢ σᵢ²/nᵢ under
 * Σᵢ nᵢ = N (Lagrange: σᵢ²/nᵢ² equal for all i), reaching (Σᵢ σᵢ)²/(B²N) against
 * Σᵢ σᵢ²/(BN) for uniform. σ̂ᵢ comes from running per-example statistics (see
 * RunningStats), or from `sigma` when given (known variances, as in tests).
 */
export class NeymanAllocator implements Allocator<RunningStats> {
  readonly name = 'neyman';

  constructor(private readonly sigma?: (examples: Int32Array) => ArrayLike<number>) {}

  init(examples: number): RunningStats {
    return initStats(examples);
  }

  allocate(state: RunningStats, { examples, budget, minimum, unit = 1 }: AllocationRequest): Int32Array {
    return roundAllocation(this.sigma?.(examples) ?? sigmaOf(state, examples), budget, minimum, unit);
  }

  observe(state: RunningStats, feedback: AllocationFeedback): RunningStats {
    return observeStats(state, feedback);
  }
}
