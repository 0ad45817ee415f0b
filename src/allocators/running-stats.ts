import type { AllocationFeedback } from './allocator.js';

/**
 * Per-example running estimates of σᵢ² (the variance of one query's gradient estimate)
 * and of the loss, indexed by dataset index (NaN: not seen yet): exponential moving
 * averages over the example's visits, kept in float32 so checkpoints restore them
 * exactly. An allocation made from them does not depend on the current step's noise, so
 * the batch estimate stays unbiased. Plain data: `observeStats` returns a new state.
 */
export type RunningStats = { readonly variance: Float32Array; readonly loss: Float32Array };

/** Nothing seen yet, for a dataset of `examples` examples. */
export function initStats(examples: number): RunningStats {
  if (!Number.isSafeInteger(examples) || examples < 0) throw new RangeError(`examples must be a non-negative integer, got ${examples}`);
  return { variance: new Float32Array(examples).fill(Number.NaN), loss: new Float32Array(examples).fill(Number.NaN) };
}

/** The statistics after a step's feedback (decay: the weight of the old estimate). */
export function observeStats(stats: RunningStats, { examples, variance, loss }: AllocationFeedback, decay = 0.5): RunningStats {
  const next = { variance: stats.variance.slice(), loss: stats.loss.slice() };
  examples.forEach((e, i) => {
    if (!(e >= 0 && e < next.variance.length)) throw new RangeError(`example index ${e} is outside the ${next.variance.length} examples the statistics were made for`);
    update(next.variance, e, variance[i]!, decay);
    update(next.loss, e, loss[i]!, decay);
  });
  return next;
}

/** σ̂ of each example; examples never seen (or without a variance) get the mean of those seen, or 1. */
export function sigmaOf(stats: RunningStats, examples: Int32Array): Float64Array {
  return fill(examples, stats.variance, Math.sqrt);
}

/** σ̂ of each example of a batch from variances measured this step (a pilot), with the same fallback for NaN. */
export function sigmaOfBatch(variance: Float32Array): Float64Array {
  return fill(Int32Array.from(variance.keys()), variance, Math.sqrt);
}

/** Running loss of each example, with the same fallback. */
export function lossOf(stats: RunningStats, examples: Int32Array): Float64Array {
  return fill(examples, stats.loss, (v) => v);
}

function update(values: Float32Array, e: number, value: number, decay: number): void {
  if (!Number.isFinite(value)) return;
  const old = values[e]!;
  values[e] = Number.isNaN(old) ? value : decay * old + (1 - decay) * value;
}

function fill(examples: Int32Array, values: Float32Array, f: (v: number) => number): Float64Array {
  const seen = (e: number) => (e < values.length && !Number.isNaN(values[e]!) ? values[e]! : undefined);
  const known = Array.from(examples, seen).filter((v): v is number => v !== undefined);
  const fallback = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return Float64Array.from(examples, (e) => f(seen(e) ?? fallback));
}
