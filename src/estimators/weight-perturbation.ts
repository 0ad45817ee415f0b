import type { Feed } from '../engine/ir/bind.js';
import type { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { div } from '../engine/ops/div.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { sub } from '../engine/ops/sub.js';
import { type CompileOptions, type Executable, compile } from '../engine/runtime/executable.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import type { Batch } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { combine } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';

export type Scheme = 'central' | 'forward';

export interface PerturbationResult {
  /** Per-copy, per-example losses: [2K, b] (central: +ε copies then −ε) or [K+1, b] (forward: θ first). */
  readonly losses: HostTensor;
  /** Per-direction, per-example finite-difference coefficients c[k, i] ≈ ∇ℓᵢ · zₖ: [K, b]. */
  readonly coefficients: Float32Array;
  /** Σ_k weights[k] · mean_i c[k, i] · zₖ, laid out like θ. */
  readonly grad: Float32Array;
}

/**
 * K perturbed copies of θ evaluated in ONE engine call: the graph takes θ and K
 * directions per parameter, forms θ ± ε zₖ itself (natively, no K·P work in JS),
 * runs the model with a leading copy axis, differences the losses and combines the
 * directions into the gradient estimate. Shared by the weight-perturbation estimators
 * (spsa with random directions, cge with coordinate directions).
 */
export class PerturbationProgram {
  private readonly programs = new ProgramCache<number>();

  constructor(
    readonly model: Model,
    readonly scheme: Scheme,
    private readonly compileOptions?: CompileOptions,
  ) {}

  /** Copies evaluated for K directions. */
  copies(k: number): number {
    return this.scheme === 'central' ? 2 * k : k + 1;
  }

  private build(k: number): Promise<Executable> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const directions = this.model.layout.entries.map((e) => input(`${e.name}:directions`, 'float32', [k, ...e.shape]));
    const epsilon = input('epsilon', 'float32', []);
    const weights = input('weights', 'float32', [k]);
    const copies = params.map((p, i) => {
      const step = mul(epsilon, directions[i]!);
      return this.scheme === 'central' ? concat([add(p, step), sub(p, step)], 0) : concat([reshape(p, [1, ...p.shape]), add(p, step)], 0);
    });
    const losses = crossEntropy(this.model.forward(x, copies, { lead: 1 }).out, y);
    const rows = (start: number, end: number): Tensor => slice(losses, { starts: [start], ends: [end], axes: [0] });
    const coefficients = this.scheme === 'central' ? div(sub(rows(0, k), rows(k, 2 * k)), mul(epsilon, 2)) : div(sub(rows(1, k + 1), rows(0, 1)), epsilon);
    const grad = combine(mul(mean(coefficients, 1), weights), directions);
    return compile({ inputs: [x, y, ...params, ...directions, epsilon, weights], outputs: [losses, coefficients, grad] }, this.compileOptions);
  }

  /**
   * Evaluates the copies for `directions` (one [K·size] array per parameter, direction-major)
   * and returns losses, coefficients and the weighted combination.
   */
  async run(theta: Float32Array, batch: Batch, directions: readonly Float32Array[], epsilon: number, weights: Float32Array): Promise<PerturbationResult> {
    const k = weights.length;
    const program = this.programs.get(k, () => this.build(k));
    const feeds: Record<string, Feed> = { ...modelFeeds(this.model, theta, batch), epsilon: Float32Array.of(epsilon), weights };
    this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:directions`] = directions[i]!));
    const [losses, coefficients, grad] = await (await program).run(feeds);
    return { losses: losses!, coefficients: coefficients!.data as Float32Array, grad: grad!.data as Float32Array };
  }
}
