import { type AllocationFeedback, type AllocationRequest, type Allocator, roundAllocation } from './allocator.js';
import { RunningStats } from './running-stats.js';
import type { State, SerializedState } from '../state/state.js';

/**
 * Neyman allocation: nᵢ ∝ σ̂ᵢ, the allocation that minimises (1/B²) Σᵢ σᵢ²/nᵢ under
 * Σᵢ nᵢ = N (Lagrange: σᵢ²/nᵢ² equal for all i), reaching (Σᵢ σᵢ)²/(B²N) against
 * Σᵢ σᵢ²/(BN) for uniform. σ̂ᵢ comes from running per-example statistics (see
 * RunningStats), or from `sigma` when given (known variances, as in tests).
 */
export class NeymanAllocator implements Allocator {
  readonly name = 'neyman';
  private readonly stats = new RunningStats();

  constructor(private readonly sigma?: (examples: Int32Array) => ArrayLike<number>) {}

  allocate({ examples, budget, minimum, unit = 1 }: AllocationRequest): Int32Array {
    return roundAllocation(this.sigma?.(examples) ?? this.stats.sigma(examples), budget, minimum, unit);
  }

  observe(feedback: AllocationFeedback): void {
    this.stats.observe(feedback);
  }

  state(): State {
    return this.stats.state();
  }

  restore(saved: SerializedState): void {
    this.stats.restore(saved);
  }
}
