import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { concat } from '../engine/ops/concat.js';
import { mul } from '../engine/ops/mul.js';
import { sum } from '../engine/ops/sum.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { DirectionBuffers } from './directions.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { batchFeeds, batchInputs, paramFeeds } from './graph-inputs.js';
import { directionGrid, perExample } from './rows.js';
import { combine, meanOf } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';

/**
 * Forward gradient with weight perturbation, FG-W (Baydin et al. 2022; Ren et al. 2023):
 * for K directions vₖ ~ N(0, I) shaped like θ, one forward-mode pass gives the exact
 * directional derivative dₖ = ∇L · vₖ (no finite differences, no ε), and
 * g = (1/K) Σₖ dₖ vₖ is unbiased. The K tangent passes share one primal pass in one
 * engine call; each counts as one query per example.
 */
export class ForwardGradientWeights implements Estimator {
  readonly name = 'fg-w';
  private readonly programs = new ProgramCache<string>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {
    this.buffers = new DirectionBuffers(model.layout);
  }

  /**
   * K tangent passes sharing one primal pass over the batch; or, `gridded`, each
   * direction k with its own slots x [K, slots, …]: θ broadcast to K copies carries
   * tangent k in copy k, and slot weights W [K, slots] combine the per-slot derivatives.
   */
  private build(k: number, gridded: boolean): Promise<Program> {
    const params = this.model.paramInputs();
    const directions = this.model.layout.entries.map((e) => input(`${e.name}:directions`, 'float32', [k, ...e.shape]));
    const slotWeights = input('slotWeights', 'float32', [k, 'batch']);
    let x: Tensor;
    let y: Tensor;
    let derivatives: Tensor;
    let losses: Tensor;
    if (gridded) {
      x = input('x', 'float32', [k, 'batch', ...this.model.inputShape]);
      y = input('y', 'int64', [k, 'batch']);
      const copies = params.map((p) => broadcastTo(p, [k, ...p.shape]));
      losses = crossEntropy(this.model.forward(x, copies, { lead: 1, inputLead: true }).out, y);
      [derivatives] = jvp([losses], new Map(copies.map((c, i) => [c, directions[i]!]))) as [Tensor];
    } else {
      ({ x, y } = batchInputs(this.model));
      losses = crossEntropy(this.model.forward(x, params).out, y);
      const perDirection = Array.from({ length: k }, (_, d) => {
        const seeds = new Map(params.map((p, i) => [p, reshape(slice(directions[i]!, { starts: [d], ends: [d + 1], axes: [0] }), p.shape)]));
        return reshape(jvp([losses], seeds)[0]!, [1, 'batch']);
      });
      derivatives = concat(perDirection, 0);
    }
    const grad = combine(sum(mul(derivatives, slotWeights), 1), directions);
    return compile({ inputs: [x, y, ...params, ...directions, slotWeights], outputs: [losses, derivatives, grad] }, this.options.compile);
  }

  /** With an allocation, example i is evaluated under nᵢ of the directions (one query each). */
  async estimate(request: EstimateRequest): Promise<Estimate> {
    const b = request.batch.y.shape[0]!;
    const grid = request.allocation && directionGrid(request.batch, request.allocation);
    const k = grid ? grid.k : directionsFor(request, this.options.directions ?? 1, 1);
    const cols = grid ? grid.m : b;
    const program = this.programs.get(`${k}:${grid ? 'grid' : 'batch'}`, () => this.build(k, grid !== undefined));
    const directions = this.buffers.fill(k, deriveSeed(this.options.seed ?? 0, request.step), this.options.noise ?? 'gaussian', 1);
    const feeds: Record<string, Feed> = {
      ...paramFeeds(this.model, request.params),
      ...(grid ? { x: new HostTensor('float32', [k, cols, ...this.model.inputShape], grid.x.data as Float32Array), y: grid.y } : batchFeeds(this.model, request.batch)),
      slotWeights: new HostTensor('float32', [k, cols], grid ? grid.weight : new Float32Array(k * b).fill(1 / (k * b))),
    };
    this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:directions`] = directions[i]!));
    const [losses, derivatives, grad] = await (await program).run(feeds);
    const example = grid ? grid.example : Int32Array.from({ length: k * b }, (_, j) => j % b);
    const rowLoss = losses!.data as Float32Array;
    const loss = grid ? perExample(rowLoss, grid.example, b).mean : rowLoss;
    const spread = perExample(derivatives!.data as Float32Array, example, b).variance;
    return { grad: grad!.data as Float32Array, loss: meanOf(loss), queries: k * cols, perExample: { loss, spread } };
  }
}
