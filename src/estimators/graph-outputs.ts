import type { Feeds } from '../engine/ir/bind.js';
import type { Tensor } from '../engine/ir/tensor.js';
import type { Program } from '../engine/runtime/backend.js';
import type { Estimate } from './estimator.js';
import { concat } from '../engine/ops/concat.js';
import { matmul } from '../engine/ops/matmul.js';
import { reshape } from '../engine/ops/reshape.js';
import { zerosLike } from '../engine/ops/rules.js';

/** Gradients of every parameter as one flat vector laid out like θ (so the output is the estimate). */
export function flatten(grads: readonly Tensor[]): Tensor {
  return concat(grads.map((g) => reshape(g, [-1])), 0);
}

/** The gradients in `grads`, flattened like θ; parameters missing from it get zeros (the loss does not reach them). */
export function flattenGrads(params: readonly Tensor[], grads: ReadonlyMap<Tensor, Tensor>): Tensor {
  return flatten(params.map((p) => grads.get(p) ?? zerosLike(p)));
}

/**
 * Σ_k coefficients[k] · directions[k], per parameter, flattened like θ: the last step of
 * every perturbation estimator, done in the graph so K·P multiply-adds run natively.
 * `directions` holds one [K, ...shape] tensor per parameter.
 */
export function combine(coefficients: Tensor, directions: readonly Tensor[]): Tensor {
  const k = coefficients.shape[0]!;
  const row = reshape(coefficients, [1, k]);
  return flatten(directions.map((d) => matmul(row, reshape(d, [k, -1]))));
}

/** Mean of a float array. */
export function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Per-example mean and variance over K rows of a [K, b] array (variance NaN-free: 0 when K = 1). */
export function columnStats(values: Float32Array, k: number): { mean: Float32Array; variance: Float32Array } {
  const b = values.length / k;
  const mean = new Float32Array(b);
  const variance = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    let s = 0;
    for (let r = 0; r < k; r++) s += values[r * b + i]!;
    const m = s / k;
    let v = 0;
    for (let r = 0; r < k; r++) v += (values[r * b + i]! - m) ** 2;
    mean[i] = m;
    variance[i] = k > 1 ? v / (k - 1) : 0;
  }
  return { mean, variance };
}

/**
 * One step of a program whose outputs are the per-example losses and the flat gradient
 * (bp, fa, the local backprop variants, dfa): one query per example.
 */
export async function runLossAndGradient(program: Program, feeds: Feeds): Promise<Estimate> {
  const [losses, gradient] = await program.run(feeds);
  const loss = losses!.data as Float32Array;
  return { grad: gradient!.data as Float32Array, loss: meanOf(loss), queries: loss.length, perExample: { loss } };
}
