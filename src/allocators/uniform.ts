import { type EmptyState, emptyState } from '../state/state.js';
import { type AllocationRequest, type Allocator, roundAllocation } from './allocator.js';

/** The same queries for every example (the remainder, if any, to the first ones). */
export class UniformAllocator implements Allocator<EmptyState> {
  readonly name = 'uniform';

  init(): EmptyState {
    return emptyState();
  }

  allocate(_state: EmptyState, { examples, budget, minimum, unit = 1 }: AllocationRequest): Int32Array {
    return roundAllocation(new Float64Array(examples.length).fill(1), budget, minimum, unit);
  }

  observe(state: EmptyState): EmptyState {
    return state;
  }
}
