import type { Feeds } from '../engine/ir/bind.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { concat } from '../engine/ops/concat.js';
import { matmul } from '../engine/ops/matmul.js';
import { reshape } from '../engine/ops/reshape.js';
import { zerosLike } from '../engine/ops/rules.js';
import { type Program, float32Output } from '../engine/runtime/backend.js';
import type { EmptyState } from '../state/state.js';
import type { Estimated, EstimateRequest } from './estimator.js';
import { masked } from './mask.js';
import { meanOf } from './stats.js';

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
 * forward-gradient weight perturbation, done in the graph so K·P multiply-adds run
 * natively. `directions` holds one [K, ...shape] tensor per parameter.
 */
export function combine(coefficients: Tensor, directions: readonly Tensor[]): Tensor {
  const k = coefficients.shape[0]!;
  const row = reshape(coefficients, [1, k]);
  return flatten(directions.map((d) => matmul(row, reshape(d, [k, -1]))));
}

/**
 * One step of a program whose outputs are the per-example losses and the flat gradient
 * (bp, fa, the local backprop variants, dfa): `perExample` queries per example (one, or
 * one per contrastive view), nothing learned.
 */
export async function runLossAndGradient(program: Program, feeds: Feeds, request: EstimateRequest, state: EmptyState, perExample = 1): Promise<Estimated<EmptyState>> {
  const outputs = await program.run(feeds);
  const loss = float32Output(outputs, 0);
  const grad = masked(float32Output(outputs, 1), request.mask);
  return { estimate: { grad, loss: meanOf(loss), queries: perExample * loss.length, perExample: { loss } }, state };
}
