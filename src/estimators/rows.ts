import { HostTensor } from '../engine/ir/host-tensor.js';
import type { Batch } from './estimator.js';

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
  const perExample = batch.x.size / b;
  const x = new Float32Array(rows * perExample);
  const y = new BigInt64Array(rows);
  const example = new Int32Array(rows);
  const weight = new Float32Array(rows);
  const xs = batch.x.data as Float32Array;
  let r = 0;
  queries.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`allocation[${i}] is ${n}; every example needs at least one query`);
    for (let k = 0; k < n; k++, r++) {
      x.set(xs.subarray(i * perExample, (i + 1) * perExample), r * perExample);
      y[r] = (batch.y.data as BigInt64Array)[i]!;
      example[r] = i;
      weight[r] = 1 / (b * n);
    }
  });
  return { batch: { x: new HostTensor('float32', [rows, ...batch.x.shape.slice(1)], x), y: new HostTensor('int64', [rows], y) }, example, weight };
}

/** Per example: the mean and (unbiased) variance of `values` over its rows (index -1: skipped); variance NaN with one row. */
export function perExample(values: ArrayLike<number>, example: Int32Array, batch: number): { mean: Float32Array; variance: Float32Array } {
  const count = new Float64Array(batch);
  const sum = new Float64Array(batch);
  const squares = new Float64Array(batch);
  for (let r = 0; r < example.length; r++) {
    const i = example[r]!;
    if (i < 0) continue;
    count[i]!++;
    sum[i]! += values[r]!;
    squares[i]! += values[r]! ** 2;
  }
  const mean = Float32Array.from(sum, (s, i) => s / count[i]!);
  const variance = Float32Array.from(sum, (s, i) => (count[i]! > 1 ? (squares[i]! - (s * s) / count[i]!) / (count[i]! - 1) : Number.NaN));
  return { mean, variance };
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
  const { k, m, example, weight } = gridSlots(queries);
  const perExample = batch.x.size / b;
  const x = new Float32Array(k * m * perExample);
  const y = new BigInt64Array(k * m);
  const xs = batch.x.data as Float32Array;
  example.forEach((i, slot) => {
    // Padding slots repeat example 0; their weight is 0.
    const e = Math.max(i, 0);
    x.set(xs.subarray(e * perExample, (e + 1) * perExample), slot * perExample);
    y[slot] = (batch.y.data as BigInt64Array)[e]!;
  });
  return { k, m, x: new HostTensor('float32', [k, m, ...batch.x.shape.slice(1)], x), y: new HostTensor('int64', [k, m], y), weight, example };
}
