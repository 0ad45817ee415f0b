import type { Feed } from '../engine/ir/bind.js';
import type { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { slice } from '../engine/ops/slice.js';
import { sub } from '../engine/ops/sub.js';
import { zerosLike } from '../engine/ops/rules.js';
import { type CompileOptions, type Executable, compile } from '../engine/runtime/executable.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import type { Batch } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { DirectionBuffers } from './directions.js';
import { combine } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';

export type Scheme = 'central' | 'forward';

export interface PerturbationResult {
  /** Per-copy, per-example losses: [2K, b] (central: +εz copies then −εz) or [K+1, b] (forward: θ first). */
  readonly losses: HostTensor;
  /** Per-direction, per-example finite-difference coefficients c[k, i] ≈ ∇ℓᵢ · zₖ: [K, b]. */
  readonly coefficients: Float32Array;
  /** Σ_k weights[k] · mean_i c[k, i] · zₖ, laid out like θ. */
  readonly grad: Float32Array;
}

/**
 * K perturbed copies of θ evaluated in ONE engine call: the graph takes θ and the K
 * offsets εzₖ per parameter, forms the copies itself (natively, no K·P work in JS),
 * runs the model with a leading copy axis, differences the losses and combines the
 * directions into the gradient estimate. Shared by the weight-perturbation estimators
 * (spsa with random directions, cge with coordinate directions).
 *
 * Offsets arrive pre-scaled by ε (the noise generator scales for free), and for
 * forward differences with a leading zero row, so the K + 1 copies are one addition
 * θ + offsets with no concatenation.
 */
export class PerturbationProgram {
  private readonly programs = new ProgramCache<number>();
  /** Buffers in the layout `run` expects. */
  readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    readonly scheme: Scheme,
    private readonly compileOptions?: CompileOptions,
  ) {
    this.buffers = new DirectionBuffers(model.layout, scheme === 'central' ? 0 : 1);
  }

  /** Copies evaluated for K directions. */
  copies(k: number): number {
    return this.scheme === 'central' ? 2 * k : k + 1;
  }

  private build(k: number): Promise<Executable> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const rows = k + this.buffers.first;
    const offsets = this.model.layout.entries.map((e) => input(`${e.name}:offsets`, 'float32', [rows, ...e.shape]));
    const invEpsilon = input('invEpsilon', 'float32', []);
    const weights = input('weights', 'float32', [k]);
    const copies = params.map((p, i) => (this.scheme === 'central' ? concat([add(p, offsets[i]!), sub(p, offsets[i]!)], 0) : add(p, offsets[i]!)));
    const losses = crossEntropy(this.model.forward(x, copies, { lead: 1 }).out, y);
    const lossRows = (start: number, end: number): Tensor => slice(losses, { starts: [start], ends: [end], axes: [0] });
    const coefficients = this.scheme === 'central' ? mul(sub(lossRows(0, k), lossRows(k, 2 * k)), mul(invEpsilon, 0.5)) : mul(sub(lossRows(1, k + 1), lossRows(0, 1)), invEpsilon);
    // The offsets are εz: one more 1/ε turns Σ c̄ₖ·εzₖ into Σ c̄ₖ zₖ (a zero weight skips the zero row).
    const scaled = mul(mul(mean(coefficients, 1), weights), invEpsilon);
    const grad = combine(this.scheme === 'central' ? scaled : concat([zerosLike({ dtype: 'float32', shape: [1] }), scaled], 0), offsets);
    return compile({ inputs: [x, y, ...params, ...offsets, invEpsilon, weights], outputs: [losses, coefficients, grad] }, this.compileOptions);
  }

  /**
   * Evaluates the copies for `offsets` (this.buffers, holding εzₖ) and returns losses,
   * coefficients and the weighted combination of the directions.
   */
  async run(theta: Float32Array, batch: Batch, offsets: readonly Float32Array[], epsilon: number, weights: Float32Array): Promise<PerturbationResult> {
    const k = weights.length;
    const program = await this.programs.get(k, () => this.build(k));
    const feeds: Record<string, Feed> = { ...modelFeeds(this.model, theta, batch), invEpsilon: Float32Array.of(1 / epsilon), weights };
    this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:offsets`] = offsets[i]!));
    const [losses, coefficients, grad] = await program.run(feeds);
    return { losses: losses!, coefficients: coefficients!.data as Float32Array, grad: grad!.data as Float32Array };
  }
}
