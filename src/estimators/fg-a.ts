import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { type ActivityProgram, noiseFeeds, noiseInputs, siteShapes } from './activity-noise.js';
import { vjp } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { ActivitySite, Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { columnStats, flattenGrads, meanOf } from './graph-outputs.js';
import { ownership } from './ownership.js';
import { expandRows, perExample } from './rows.js';
import { ProgramCache } from './program-cache.js';

/**
 * Forward gradient with activity perturbation, FG-A (Ren et al. 2023): every example gets
 * its own noise uᵢ ~ N(0, I) on every pre-activation z (on live ReLU units only); one
 * forward-mode pass gives each example's directional derivative dᵢ = ∇_z ℓᵢ · uᵢ, the
 * pre-activation gradient estimate is dᵢ uᵢ, and each layer's weight update is its local
 * map back from z: ΔW = Σᵢ xᵢ ⊗ dᵢuᵢ / b. The network output is a site too, so the
 * readout is estimated the same way. Variance is lower than FG-W's by about the fan-in,
 * as only activations (not weights) are perturbed, independently per example.
 */
export class ForwardGradientActivities implements Estimator {
  readonly name = 'fg-a';
  private readonly programs = new ProgramCache<number, ActivityProgram>();

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {}

  private async build(k: number): Promise<ActivityProgram> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const { out, sites, blocks } = this.model.forward(x, params);
    const losses = crossEntropy(out, y);
    const exactReadout = this.options.exactReadout ?? true;
    const perturbed: ActivitySite[] = exactReadout ? sites : [...sites, { z: out, scope: 'output', block: blocks.length }];
    // Each row's share of the batch estimate: 1/(B·K), or 1/(B·nᵢ) for allocated queries.
    const weights = input('weights', 'float32', ['batch']);
    const noise = noiseInputs(perturbed, k);

    // One tangent pass per site and direction: each site's directional derivative sees
    // only its own perturbation (a tangent starting at site s only runs through the
    // layers after it, so all sites together cost about one full pass). The tangent may
    // start unmasked: the ReLU after the site masks it, so dᵢ = ∇_z ℓᵢ · (uᵢ ⊙ m) either way.
    const derivatives: Tensor[] = [];
    const estimates = perturbed.map((site, s) => {
      let sum: Tensor | null = null;
      for (let d = 0; d < k; d++) {
        const u = noise[s]![d]!;
        const [tangent] = jvp([losses], new Map([[site.z, u]]));
        derivatives.push(reshape(tangent!, [1, 'batch']));
        const coefficient = reshape(mul(tangent!, weights), ['batch', ...new Array<number>(site.z.rank - 1).fill(1)]);
        const term = mul(coefficient, site.mask ? mul(u, site.mask) : u);
        sum = sum === null ? term : add(sum, term);
      }
      return sum!;
    });

    const { owned } = ownership([...perturbed.map((s) => s.z), out], params);
    const grads = new Map<Tensor, Tensor>();
    const assign = (mine: readonly Tensor[], local: readonly Tensor[]) => mine.forEach((p, i) => grads.set(p, local[i]!));
    perturbed.forEach((site, s) => assign(owned[s]!, vjp([site.z], [estimates[s]!], owned[s]!)));
    // The readout's exact gradient: the local map from the loss to the last layer's weights.
    const readout = owned[perturbed.length]!;
    if (readout.length > 0) assign(readout, vjp([losses], [mul(weights, k)], readout));
    const gradient = flattenGrads(params, grads);
    // Without perturbed sites (a lone readout layer, exact) there are no directional derivatives.
    const outputs = derivatives.length > 0 ? [losses, gradient, concat(derivatives, 0)] : [losses, gradient];
    const program = await compile({ inputs: [x, y, ...params, weights, ...noise.flat()], outputs }, this.options.compile);
    return { program, siteShapes: siteShapes(perturbed) };
  }

  /**
   * K tangent passes over the batch share one primal pass; with an allocation instead,
   * example i is repeated as nᵢ rows, each one query with its own noise.
   */
  async estimate(request: EstimateRequest): Promise<Estimate> {
    const b = request.batch.y.shape[0]!;
    const rows = request.allocation && expandRows(request.batch, request.allocation);
    const k = rows ? 1 : directionsFor(request, this.options.directions ?? 1, 1);
    const { program, siteShapes: shapes } = await this.programs.get(k, () => this.build(k));
    const q = rows ? rows.example.length : b;
    const feeds: Record<string, Feed> = {
      ...modelFeeds(this.model, request.params, rows?.batch ?? request.batch),
      weights: rows?.weight ?? new Float32Array(b).fill(1 / (b * k)),
      ...noiseFeeds(shapes, k, q, deriveSeed(this.options.seed ?? 0, request.step), this.options.noise),
    };
    const [losses, grad, derivatives] = await program.run(feeds);
    const rowLoss = losses!.data as Float32Array;
    const d = derivatives?.data as Float32Array | undefined;
    const loss = rows ? perExample(rowLoss, rows.example, b).mean : rowLoss;
    const spread = d && (rows ? siteSpread(d, 1, q, (values) => perExample(values, rows.example, b).variance, b) : k > 1 ? siteSpread(d, k, b, (values) => columnStats(values, k).variance, b) : undefined);
    return { grad: grad!.data as Float32Array, loss: meanOf(loss), queries: k * q, perExample: { loss, ...(spread ? { spread } : {}) } };
  }
}

/**
 * Per example, the variance of one query's directional derivative, summed over sites:
 * `derivatives` holds, per site, K rows of q values, and `variance` reduces one site's
 * block to B per-example variances (across directions, or across an example's rows).
 */
function siteSpread(derivatives: Float32Array, k: number, q: number, variance: (block: Float32Array) => Float32Array, b: number): Float32Array {
  const spread = new Float32Array(b);
  for (let start = 0; start < derivatives.length; start += k * q) {
    const v = variance(derivatives.subarray(start, start + k * q));
    for (let i = 0; i < b; i++) spread[i]! += v[i]!;
  }
  return spread;
}
