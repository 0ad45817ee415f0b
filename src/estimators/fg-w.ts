import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { concat } from '../engine/ops/concat.js';
import { div } from '../engine/ops/div.js';
import { mean } from '../engine/ops/mean.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { type Executable, compile } from '../engine/runtime/executable.js';
import { jvp } from '../engine/transforms/jvp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { DirectionBuffers } from './directions.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { columnStats, combine, meanOf } from './graph-outputs.js';
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
  private readonly programs = new ProgramCache<number>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {
    this.buffers = new DirectionBuffers(model.layout);
  }

  private build(k: number): Promise<Executable> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const directions = this.model.layout.entries.map((e) => input(`${e.name}:directions`, 'float32', [k, ...e.shape]));
    const losses = crossEntropy(this.model.forward(x, params).out, y);
    const derivatives: Tensor[] = [];
    for (let d = 0; d < k; d++) {
      const seeds = new Map(params.map((p, i) => [p, reshape(slice(directions[i]!, { starts: [d], ends: [d + 1], axes: [0] }), p.shape)]));
      const [tangent] = jvp([losses], seeds);
      derivatives.push(reshape(tangent!, [1, 'batch']));
    }
    const perExample = concat(derivatives, 0);
    const grad = combine(div(mean(perExample, 1), k), directions);
    return compile({ inputs: [x, y, ...params, ...directions], outputs: [losses, perExample, grad] }, this.options.compile);
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    const k = directionsFor(request, this.options.directions ?? 1, 1);
    const program = this.programs.get(k, () => this.build(k));
    const directions = this.buffers.fill(k, deriveSeed(this.options.seed ?? 0, request.step), this.options.noise ?? 'gaussian', 1);
    const feeds: Record<string, Feed> = modelFeeds(this.model, request.params, request.batch);
    this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:directions`] = directions[i]!));
    const [losses, perExample, grad] = await (await program).run(feeds);
    const loss = losses!.data as Float32Array;
    return {
      grad: grad!.data as Float32Array,
      loss: meanOf(loss),
      queries: k * loss.length,
      perExample: { loss, ...(k > 1 ? { spread: columnStats(perExample!.data as Float32Array, k).variance } : {}) },
    };
  }
}
