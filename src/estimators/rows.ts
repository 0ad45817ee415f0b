import { type Batch, gatherRows } from '../data/batches.js';
import type { HostTensor } from '../engine/ir/host-tensor.js';

/**
 * A batch expanded into query rows: example i repeated nᵢ times, consecutively, so
 * that each row is one query with its own noise. `weight` makes the mean of each
 * example's queries count 1/B towards the batch estimate: wᵣ = 1/(B·nᵢ).
 */
export interface QueryRows {
  readonly batch: Batch;
  /** The batch position of each row's example. */
  readonly example: Int32Array;
  readonly weight: Float32Array;
}

export function expandRows(batch: Batch, queries: Int32Array): QueryRows {
  const b = batch.y.shape[0]!;
  if (queries.length !== b) throw new RangeError(`allocation has ${queries.length} entries for a batch of ${b}`);
  const rows = queries.reduce((a, n) => a + n, 0);
  const example = new Int32Array(rows);
  const weight = new Float32Array(rows);
  let r = 0;
  queries.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`allocation[${i}] is ${n}; every example needs at least one query`);
    for (let k = 0; k < n; k++, r++) {
      example[r] = i;
      weight[r] = 1 / (b * n);
    }
  });
  return { batch: gatherRows(batch, example), example, weight };
}

/**
 * Queries laid out for weight perturbation, where a query is one example under one
 * direction: K = maxᵢ nᵢ directions by m slots, example i in nᵢ distinct directions
 * (consecutive slots t ↦ direction t mod K, so nᵢ ≤ K never repeats one). Unused slots
 * (fewer than K) hold example 0 with weight 0.
 */
export interface DirectionGrid {
  readonly k: number;
  readonly m: number;
  /** [K, m, ...example shape] and [K, m]. */
  readonly x: HostTensor;
  readonly y: HostTensor;
  /** 1/(B·nᵢ) per slot, 0 for padding. */
  readonly weight: Float32Array;
  /** Batch position per slot, -1 for padding. */
  readonly example: Int32Array;
}

/** The slot layout alone: K, m, each slot's example (-1: padding) and weight 1/(B·nᵢ). */
export function gridSlots(queries: Int32Array): { k: number; m: number; example: Int32Array; weight: Float32Array } {
  const b = queries.length;
  const k = Math.max(...queries);
  const m = Math.ceil(queries.reduce((a, n) => a + n, 0) / k);
  const example = new Int32Array(k * m).fill(-1);
  const weight = new Float32Array(k * m);
  let t = 0;
  queries.forEach((n, i) => {
    for (let j = 0; j < n; j++, t++) {
      const slot = (t % k) * m + Math.floor(t / k);
      example[slot] = i;
      weight[slot] = 1 / (b * n);
    }
  });
  return { k, m, example, weight };
}

export function directionGrid(batch: Batch, queries: Int32Array): DirectionGrid {
  const b = batch.y.shape[0]!;
  if (queries.length !== b) throw new RangeError(`allocation has ${queries.length} entries for a batch of ${b}`);
  const { k, m, example, weight } = gridSlots(queries);
  // Padding slots repeat example 0; their weight is 0.
  const { x, y } = gatherRows(batch, example, [k, m]);
  return { k, m, x, y, weight, example };
}
