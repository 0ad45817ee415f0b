import type { Feed } from '../engine/ir/bind.js';
import { topoSort } from '../engine/ir/graph.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { concat } from '../engine/ops/concat.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type Executable, compile } from '../engine/runtime/executable.js';
import { jvp } from '../engine/transforms/jvp.js';
import { vjp } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { ActivitySite, Model } from '../nn/model.js';
import { fillGaussian, fillRademacher } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { columnStats, flatten, meanOf } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';

/**
 * For each activity site (in order), the parameters it is the first site to depend on:
 * the weights of the layer that produced it. A site's weight gradient is the local
 * VJP of its pre-activation, which never reaches past the previous site.
 */
export function localParams(sites: readonly Tensor[], params: readonly Tensor[]): Tensor[][] {
  const remaining = new Set(params);
  const owned = sites.map((z) => {
    const mine = topoSort([z]).filter((t) => remaining.has(t));
    for (const p of mine) remaining.delete(p);
    return mine;
  });
  if (remaining.size > 0) {
    throw new Error(`activity perturbation: parameters ${[...remaining].map(String).join(', ')} feed no activity site`);
  }
  return owned;
}

interface Program {
  readonly executable: Executable;
  /** Shape of one example's slice of each site: the noise each example needs per direction. */
  readonly siteShapes: readonly (readonly number[])[];
}

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
  private readonly programs = new ProgramCache<number, Program>();

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {}

  private async build(k: number): Promise<Program> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const { out, sites } = this.model.forward(x, params);
    const losses = crossEntropy(out, y);
    const exactReadout = this.options.exactReadout ?? true;
    const perturbed: ActivitySite[] = exactReadout ? sites : [...sites, { z: out, scope: 'output' }];
    const invBatch = input('invBatch', 'float32', []);
    const noise = perturbed.map((site, s) => Array.from({ length: k }, (_, d) => input(`noise:${s}:${d}`, 'float32', site.z.shape)));
    const perDirection = mul(invBatch, 1 / k);

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
        const coefficient = reshape(mul(tangent!, perDirection), ['batch', ...new Array<number>(site.z.rank - 1).fill(1)]);
        const term = mul(coefficient, site.mask ? mul(u, site.mask) : u);
        sum = sum === null ? term : add(sum, term);
      }
      return sum!;
    });

    const owners = localParams([...perturbed.map((s) => s.z), out], params);
    const grads = new Map<Tensor, Tensor>();
    const assign = (owned: readonly Tensor[], local: readonly Tensor[]) => owned.forEach((p, i) => grads.set(p, local[i]!));
    perturbed.forEach((site, s) => assign(owners[s]!, vjp([site.z], [estimates[s]!], owners[s]!)));
    // The readout's exact gradient: the local map from the loss to the last layer's weights.
    const readout = owners[perturbed.length]!;
    if (readout.length > 0) assign(readout, vjp([losses], [broadcastTo(invBatch, losses.shape)], readout));
    const gradient = flatten(params.map((p) => grads.get(p)!));
    // Without perturbed sites (a lone readout layer, exact) there are no directional derivatives.
    const outputs = derivatives.length > 0 ? [losses, gradient, concat(derivatives, 0)] : [losses, gradient];
    const executable = await compile({ inputs: [x, y, ...params, invBatch, ...noise.flat()], outputs }, this.options.compile);
    return { executable, siteShapes: perturbed.map((site) => site.z.shape.slice(1) as number[]) };
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    const k = directionsFor(request, this.options.directions ?? 1, 1);
    const { executable, siteShapes } = await this.programs.get(k, () => this.build(k));
    const b = request.batch.y.shape[0]!;
    const stream = deriveSeed(this.options.seed ?? 0, request.step);
    const feeds: Record<string, Feed> = { ...modelFeeds(this.model, request.params, request.batch), invBatch: Float32Array.of(1 / b) };
    const draw = this.options.noise === 'rademacher' ? fillRademacher : fillGaussian;
    let offset = 0;
    for (let d = 0; d < k; d++) {
      siteShapes.forEach((shape, s) => {
        const u = HostTensor.zeros('float32', [b, ...shape]);
        draw(u.data, stream, offset);
        offset += u.size;
        feeds[`noise:${s}:${d}`] = u;
      });
    }
    const [losses, grad, perExample] = await executable.run(feeds);
    const loss = losses!.data as Float32Array;
    return {
      grad: grad!.data as Float32Array,
      loss: meanOf(loss),
      queries: k * b,
      perExample: { loss, ...(k > 1 && perExample ? { spread: siteSpread(perExample.data as Float32Array, k, b) } : {}) },
    };
  }
}

/** Per example, the variance across directions of its directional derivatives, summed over sites (rows are site-major). */
function siteSpread(derivatives: Float32Array, k: number, b: number): Float32Array {
  const spread = new Float32Array(b);
  for (let start = 0; start < derivatives.length; start += k * b) {
    const { variance } = columnStats(derivatives.subarray(start, start + k * b), k);
    for (let i = 0; i < b; i++) spread[i]! += variance[i]!;
  }
  return spread;
}
