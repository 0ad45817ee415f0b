import type { LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { copiesOf, copyOffsets } from '../objectives/loss-oracle.js';
import { QueryHistory } from '../surrogate/history.js';
import type { EstimateRequest, PointSamples } from './estimator.js';

/**
 * Queries at explicit points, shared by the methods that keep or difference the losses of
 * whole parameter vectors (the surrogate, rgf, prgf): building their oracle requests, reading
 * one loss per point, and feeding a query history.
 */

/** A request for the losses at θ + rows[c] (each row [P], float64, rounded to float32 offsets). */
export function offsetRequest(request: EstimateRequest, rows: readonly Float64Array[]): LossRequest {
  const p = request.params.length;
  const offsets = new Float32Array(rows.length * p);
  rows.forEach((row, c) => offsets.set(row, c * p));
  return { params: request.params, batch: request.batch, perturbation: { kind: 'offsets', offsets, copies: rows.length } };
}

/**
 * The points a request queried and the mean loss at each, over the examples each copy saw
 * (padding slots excluded), for any perturbation: noise directions are regenerated from
 * their key. Points are formed as the oracles form them, θ + offset in float32.
 * Throws RangeError when the result does not hold one loss per (copy, column).
 */
export function pointSamples(request: LossRequest, result: LossResult): PointSamples {
  const { params: theta, perturbation, slots } = request;
  const p = theta.length;
  const copies = copiesOf(perturbation);
  const m = slots ? slots.m : request.batch.x.shape[0]!;
  if (result.losses.length !== copies * m) throw new RangeError(`pointSamples: ${result.losses.length} losses for ${copies} copies × ${m} columns`);
  const offset = copyOffsets(request, p);
  const points = new Float32Array(copies * p);
  const losses = new Float32Array(copies);
  const row = new Float32Array(p);
  for (let c = 0; c < copies; c++) {
    offset(c, row);
    for (let i = 0; i < p; i++) points[c * p + i] = theta[i]! + row[i]!;
    let sum = 0;
    let count = 0;
    for (let j = 0; j < m; j++) {
      if (slots && slots.example[(c % (copies / 2)) * m + j]! < 0) continue;
      sum += result.losses[c * m + j]!;
      count++;
    }
    losses[c] = sum / count;
  }
  return { kind: 'points', points, losses };
}

/** Adds every point of `samples` to the history (tagged `tag`); the caller checks that the losses are finite. */
export function recordPoints(history: QueryHistory, samples: PointSamples, tag: number): void {
  const p = history.dimension;
  for (let c = 0; c < samples.losses.length; c++) history.add(Float64Array.from(samples.points.subarray(c * p, (c + 1) * p)), samples.losses[c]!, tag);
}

/**
 * How far θ + offset actually moved along the unit direction u once rounded to float32:
 * (fl(θ + o) − θ)·u, which the loss difference measures instead of ε (as spsa divides by
 * the step actually applied). Throws RangeError when the copy does not move θ at all.
 */
export function appliedStep(theta: Float32Array, offset: Float32Array, direction: Float64Array, name: string): number {
  const moved = new Float32Array(1);
  let along = 0;
  for (let i = 0; i < theta.length; i++) {
    if (offset[i] === 0) continue;
    moved[0] = theta[i]! + offset[i]!;
    along += (moved[0]! - theta[i]!) * direction[i]!;
  }
  if (!(along > 0)) throw new RangeError(`${name}: epsilon is below float32's spacing at θ's magnitude, so θ + εu does not move θ; use a larger epsilon`);
  return along;
}

/** The indices of θ's entries a mask leaves free (all of them without a mask). */
export function freeCoordinates(size: number, mask: Float32Array | undefined): Int32Array {
  const all = Int32Array.from({ length: size }, (_, i) => i);
  return mask === undefined ? all : all.filter((i) => mask[i] !== 0);
}

/** A vector over the free coordinates, scattered into a [size] vector (zero elsewhere). */
export function scatter(values: Float64Array, free: Int32Array, size: number): Float64Array {
  if (free.length === size) return values;
  const out = new Float64Array(size);
  free.forEach((i, k) => (out[i] = values[k]!));
  return out;
}
