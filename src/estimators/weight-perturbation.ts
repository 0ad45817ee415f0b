import type { Feed } from '../engine/ir/bind.js';
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

export interface PerturbationRequest {
  readonly theta: Float32Array;
  readonly batch: Batch;
  readonly epsilon: number;
  /** Gradient weight of each of the K directions. */
  readonly weights: Float32Array;
  /** Writes directions [start, start + count) as ε·z into `buffers` (already zeroed), row r holding direction start + r. */
  readonly fill: (buffers: DirectionBuffers, start: number, count: number) => void;
}

export interface PerturbationResult {
  /** Each example's loss at θ: exact (forward scheme) or the mean over its ±εz copies (central, within O(ε²)). */
  readonly loss: Float32Array;
  /** Per-direction, per-example finite-difference coefficients c[k, i] ≈ ∇ℓᵢ · zₖ: [K, b]. */
  readonly coefficients: Float32Array;
  /** Σₖ weights[k] · mean_i c[k, i] · zₖ, laid out like θ. */
  readonly grad: Float32Array;
  /** Copies evaluated × examples. */
  readonly queries: number;
}

/**
 * K perturbed copies of θ evaluated in as few engine calls as memory allows: the graph
 * takes θ and the offsets εzₖ per parameter, forms the copies itself (natively, no K·P
 * work in JS), runs the model with a leading copy axis, differences the losses and
 * combines the directions into the gradient estimate. Shared by the weight-perturbation
 * estimators (spsa with random directions, cge with coordinate directions).
 *
 * Offsets arrive pre-scaled by ε (the noise generator scales for free), and for
 * forward differences with a leading zero row, so the K + 1 copies are one addition
 * θ + offsets with no concatenation. `directionsPerCall` bounds the copies held at
 * once: all K in one call is fastest, one per call (MeZO) needs the least memory.
 */
export class PerturbationProgram {
  private readonly programs = new ProgramCache<number>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    readonly scheme: Scheme,
    private readonly options: { readonly compile?: CompileOptions; readonly directionsPerCall?: number } = {},
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
    return compile({ inputs: [x, y, ...params, ...offsets, invEpsilon, weights], outputs: [losses, coefficients, grad] }, this.options.compile);
  }

  /** Evaluates the K = weights.length directions, in chunks of at most `directionsPerCall`. */
  async run({ theta, batch, epsilon, weights, fill }: PerturbationRequest): Promise<PerturbationResult> {
    const k = weights.length;
    const b = batch.y.shape[0]!;
    const perCall = Math.min(k, this.options.directionsPerCall ?? k);
    const common: Record<string, Feed> = { ...modelFeeds(this.model, theta, batch), invEpsilon: Float32Array.of(1 / epsilon) };
    const grad = new Float32Array(this.model.layout.size);
    const coefficients = new Float32Array(k * b);
    const loss = new Float32Array(b);
    let queries = 0;
    for (let start = 0; start < k; start += perCall) {
      const count = Math.min(perCall, k - start);
      const program = await this.programs.get(count, () => this.build(count));
      const offsets = this.buffers.zeroed(count);
      fill(this.buffers, start, count);
      const feeds: Record<string, Feed> = { ...common, weights: weights.subarray(start, start + count) };
      this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:offsets`] = offsets[i]!));
      const [losses, chunkCoefficients, chunkGrad] = await program.run(feeds);
      const copies = losses!.data as Float32Array;
      for (let i = 0; i < grad.length; i++) grad[i]! += (chunkGrad!.data as Float32Array)[i]!;
      coefficients.set(chunkCoefficients!.data as Float32Array, start * b);
      // Forward differences evaluate θ itself first; central ones average their ±εz copies.
      if (this.scheme === 'forward') loss.set(copies.subarray(0, b));
      else for (let r = 0; r < 2 * count; r++) for (let i = 0; i < b; i++) loss[i]! += copies[r * b + i]! / (2 * k);
      queries += this.copies(count) * b;
    }
    return { loss, coefficients, grad, queries };
  }
}
