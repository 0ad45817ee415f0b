import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { sum } from '../engine/ops/sum.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { mul } from '../engine/ops/mul.js';
import { slice } from '../engine/ops/slice.js';
import { sub } from '../engine/ops/sub.js';
import { zerosLike } from '../engine/ops/rules.js';
import { type CompileOptions, type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import type { Batch } from './estimator.js';
import { batchFeeds, batchInputs, paramFeeds } from './graph-inputs.js';
import { type DirectionGrid, perExample } from './rows.js';
import { DirectionBuffers } from './directions.js';
import { combine } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';

export type Scheme = 'central' | 'forward';

export interface PerturbationRequest {
  readonly theta: Float32Array;
  readonly batch: Batch;
  readonly epsilon: number;
  /** Directions, K. */
  readonly k: number;
  /** Gradient weight of each direction (default 1/K); each direction's batch counts its mean. */
  readonly weights?: Float32Array;
  /** Allocated queries instead: direction k evaluates its own slots (central differences only). */
  readonly grid?: DirectionGrid;
  /** Writes directions [start, start + count) as ε·z into `buffers`, row r holding direction start + r, and returns them. */
  readonly fill: (buffers: DirectionBuffers, start: number, count: number) => Float32Array[];
}

export interface PerturbationResult {
  /** Each example's loss at θ: exact (forward scheme) or the mean over its ±εz copies (central, within O(ε²)). */
  readonly loss: Float32Array;
  /** Per-direction, per-slot finite-difference coefficients c[k, j] ≈ ∇ℓ · zₖ: [K, slots]. */
  readonly coefficients: Float32Array;
  /** The batch position of each of `coefficients`' entries (-1: padding). */
  readonly example: Int32Array;
  /** Σₖ (Σⱼ Wₖⱼ cₖⱼ) zₖ, laid out like θ: the estimate. */
  readonly grad: Float32Array;
  /** Copies evaluated × examples (padding slots included: they are computed). */
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
  private readonly programs = new ProgramCache<string>();
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

  /**
   * The program for `count` directions. Without a grid every copy sees the same batch
   * (x [batch, …] broadcast over the copies); with one, direction k's copies see their own
   * slots (x [count, slots, …]). Wₖⱼ weighs slot j's coefficient in direction k's.
   */
  private build(count: number, gridded: boolean): Promise<Program> {
    const params = this.model.paramInputs();
    const plain = batchInputs(this.model);
    const x = gridded ? input('x', 'float32', [count, 'batch', ...this.model.inputShape]) : plain.x;
    const y = gridded ? input('y', 'int64', [count, 'batch']) : plain.y;
    const rows = count + this.buffers.first;
    const offsets = this.model.layout.entries.map((e) => input(`${e.name}:offsets`, 'float32', [rows, ...e.shape]));
    const invEpsilon = input('invEpsilon', 'float32', []);
    const slotWeights = input('slotWeights', 'float32', [count, 'batch']);
    const central = this.scheme === 'central';
    const copies = params.map((p, i) => (central ? concat([add(p, offsets[i]!), sub(p, offsets[i]!)], 0) : add(p, offsets[i]!)));
    const twice = (t: Tensor) => (gridded ? concat([t, t], 0) : t);
    const losses = crossEntropy(this.model.forward(twice(x), copies, { lead: 1, inputLead: gridded }).out, twice(y));
    const lossRows = (start: number, end: number): Tensor => slice(losses, { starts: [start], ends: [end], axes: [0] });
    const coefficients = central ? mul(sub(lossRows(0, count), lossRows(count, 2 * count)), mul(invEpsilon, 0.5)) : mul(sub(lossRows(1, count + 1), lossRows(0, 1)), invEpsilon);
    // The offsets are εz: one more 1/ε turns Σ c̄ₖ·εzₖ into Σ c̄ₖ zₖ (a zero weight skips the zero row).
    const scaled = mul(sum(mul(coefficients, slotWeights), 1), invEpsilon);
    const grad = combine(central ? scaled : concat([zerosLike({ dtype: 'float32', shape: [1] }), scaled], 0), offsets);
    return compile({ inputs: [x, y, ...params, ...offsets, invEpsilon, slotWeights], outputs: [losses, coefficients, grad] }, this.options.compile);
  }

  /** Evaluates the K directions, in chunks of at most `directionsPerCall`. */
  async run({ theta, batch, epsilon, k, weights = new Float32Array(k).fill(1 / k), grid, fill }: PerturbationRequest): Promise<PerturbationResult> {
    if (grid && this.scheme !== 'central') throw new RangeError('allocated queries need central differences (each slot is a ± pair)');
    const b = batch.y.shape[0]!;
    const cols = grid ? grid.m : b;
    const perCall = Math.min(k, this.options.directionsPerCall ?? k);
    const common: Record<string, Feed> = { ...paramFeeds(this.model, theta), invEpsilon: Float32Array.of(1 / epsilon), ...(grid ? {} : batchFeeds(this.model, batch)) };
    const perExampleSize = this.model.inputShape.reduce((a, d) => a * d, 1);
    const grad = new Float32Array(this.model.layout.size);
    const coefficients = new Float32Array(k * cols);
    const slotLoss = new Float32Array(k * cols);
    let queries = 0;
    for (let start = 0; start < k; start += perCall) {
      const count = Math.min(perCall, k - start);
      const program = await this.programs.get(`${count}:${grid ? 'grid' : 'batch'}`, () => this.build(count, grid !== undefined));
      const offsets = fill(this.buffers, start, count);
      const slots = [start * cols, (start + count) * cols] as const;
      const slotWeights = grid ? grid.weight.subarray(...slots) : Float32Array.from({ length: count * cols }, (_, j) => weights[start + Math.floor(j / cols)]! / b);
      const feeds: Record<string, Feed> = { ...common, slotWeights: new HostTensor('float32', [count, cols], slotWeights) };
      if (grid) {
        feeds.x = new HostTensor('float32', [count, cols, ...this.model.inputShape], (grid.x.data as Float32Array).subarray(slots[0] * perExampleSize, slots[1] * perExampleSize));
        feeds.y = new HostTensor('int64', [count, cols], (grid.y.data as BigInt64Array).subarray(...slots));
      }
      this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:offsets`] = offsets[i]!));
      const [losses, chunkCoefficients, chunkGrad] = await program.run(feeds);
      const copies = losses!.data as Float32Array;
      for (let i = 0; i < grad.length; i++) grad[i]! += (chunkGrad!.data as Float32Array)[i]!;
      coefficients.set(chunkCoefficients!.data as Float32Array, slots[0]);
      // Forward differences evaluate θ itself first; central ones average each slot's ±εz copies.
      for (let j = 0; j < count * cols; j++) slotLoss[slots[0] + j] = this.scheme === 'forward' ? copies[j % cols]! : (copies[j]! + copies[count * cols + j]!) / 2;
      queries += this.copies(count) * cols;
    }
    const example = grid ? grid.example : Int32Array.from({ length: k * cols }, (_, j) => j % cols);
    return { loss: perExample(slotLoss, example, b).mean, coefficients, example, grad, queries };
  }
}
