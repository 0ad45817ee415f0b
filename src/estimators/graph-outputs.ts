import type { Feeds } from '../engine/ir/bind.js';
import type { HostTensor } from '../engine/ir/host-tensor.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { matmul } from '../engine/ops/matmul.js';
import { reshape } from '../engine/ops/reshape.js';
import { zerosLike } from '../engine/ops/rules.js';
import { type Program, float32Output } from '../engine/runtime/backend.js';
import type { EmptyState } from '../state/state.js';
import type { Estimated, EstimateRequest } from './estimator.js';
import { masked } from './mask.js';
import { meanOf } from './stats.js';

/**
 * The gradients of every parameter as separate program outputs, in θ's layout order;
 * parameters missing from the map get zeros (the loss does not reach them). `runGradient`
 * has the program write them straight into one flat vector laid out like θ.
 */
export function gradientOutputs(params: readonly Tensor[], grads: ReadonlyMap<Tensor, Tensor>): Tensor[] {
  return params.map((p) => grads.get(p) ?? zerosLike(p));
}

/**
 * Σ_k coefficients[k] · directions[k] per parameter, as [1, size] outputs in θ's order: the
 * last step of forward-gradient weight perturbation, done in the graph so K·P multiply-adds
 * run natively. `directions` holds one [K, ...shape] tensor per parameter.
 */
export function combine(coefficients: Tensor, directions: readonly Tensor[]): Tensor[] {
  const k = coefficients.shape[0]!;
  const row = reshape(coefficients, [1, k]);
  return directions.map((d) => matmul(row, reshape(d, [k, -1])));
}

/**
 * Runs a program whose outputs from `first` on are the parameters' gradients in θ's
 * layout order (gradientOutputs, combine): onnxruntime writes them into views of one new
 * flat vector, so the graph holds no concatenation of them. Returns
 * the outputs before `first` and the flat gradient.
 */
export async function runGradient(program: Program, feeds: Feeds, first: number): Promise<{ readonly outputs: HostTensor[]; readonly grad: Float32Array }> {
  const sizes = program.spec.outputs.slice(first).map((t) => t.shape.reduce<number>((a, d) => a * (d as number), 1));
  const grad = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  const into = [...new Array<undefined>(first), ...sizes.map((n) => grad.subarray(offset, (offset += n)))];
  return { outputs: (await program.run(feeds, into)).slice(0, first), grad };
}

/**
 * One step of a program whose outputs are the per-example losses and the gradients
 * (bp, fa, the local backprop variants, dfa): one query per example, nothing learned.
 */
export async function runLossAndGradient(program: Program, feeds: Feeds, request: EstimateRequest, state: EmptyState): Promise<Estimated<EmptyState>> {
  const { outputs, grad } = await runGradient(program, feeds, 1);
  const loss = float32Output(outputs, 0);
  return { estimate: { grad: masked(grad, request.mask), loss: meanOf(loss), queries: loss.length, perExample: { loss } }, state };
}
