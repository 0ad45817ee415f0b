import type { State, SerializedState, StateJson } from '../state/state.js';
import type { AllocationFeedback } from './allocator.js';

/**
 * Per-example running estimates of σᵢ (the standard deviation of one query's gradient
 * estimate) and of the loss, keyed by dataset index: exponential moving averages over
 * the example's visits. An allocation made from them does not depend on the current
 * step's noise, so the batch estimate stays unbiased.
 */
export class RunningStats {
  private readonly variance = new Map<number, number>();
  private readonly loss = new Map<number, number>();

  constructor(private readonly decay = 0.5) {}

  observe({ examples, variance, loss }: AllocationFeedback): void {
    examples.forEach((e, i) => {
      update(this.variance, e, variance[i]!, this.decay);
      update(this.loss, e, loss[i]!, this.decay);
    });
  }

  /** σ̂ of each example; examples never seen (or without a variance) get the mean of those seen, or 1. */
  sigma(examples: Int32Array): Float64Array {
    return fill(examples, this.variance, Math.sqrt);
  }

  /** Running loss of each example, with the same fallback. */
  losses(examples: Int32Array): Float64Array {
    return fill(examples, this.loss, (v) => v);
  }

  /** The estimates as (index, value) pairs, for checkpoints (values are kept in float32, so this is exact). */
  state(): State {
    return { variance: pairs(this.variance), loss: pairs(this.loss) };
  }

  restore(saved: SerializedState, at: (json: StateJson) => StateJson = (j) => j): void {
    const json = at(saved.json) as { variance: { f32: number }; loss: { f32: number } };
    unpairs(saved.buffers[json.variance.f32]!, this.variance);
    unpairs(saved.buffers[json.loss.f32]!, this.loss);
  }
}

function update(map: Map<number, number>, key: number, value: number, decay: number): void {
  if (!Number.isFinite(value)) return;
  const old = map.get(key);
  map.set(key, Math.fround(old === undefined ? value : decay * old + (1 - decay) * value));
}

function pairs(map: ReadonlyMap<number, number>): Float32Array {
  return Float32Array.from([...map].flat());
}

function unpairs(flat: Float32Array, map: Map<number, number>): void {
  map.clear();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
}

function fill(examples: Int32Array, map: ReadonlyMap<number, number>, f: (v: number) => number): Float64Array {
  const known = Array.from(examples, (e) => map.get(e)).filter((v): v is number => v !== undefined);
  const fallback = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return Float64Array.from(examples, (e) => f(map.get(e) ?? fallback));
}
