import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { sum } from '../engine/ops/sum.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { grad } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import type { ParamEntry } from '../nn/params.js';
import { deriveSeed } from '../rng/stream.js';
import { DirectionBuffers } from './directions.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, directionsFor, noAllocation } from './estimator.js';
import { modelFeeds } from './graph-inputs.js';
import { flattenGrads, meanOf } from './graph-outputs.js';
import { ownership } from './ownership.js';
import { localGraph } from './local-graph.js';
import { ProgramCache } from './program-cache.js';

/**
 * LG-FG-W (Ren et al. 2023): forward gradients with weight perturbation against local
 * group losses. One tangent pass of the body's weight directions gives every block's
 * slot-loss derivatives [batch, P, G]; a parameter is credited with its own block's
 * derivative, and a grouped layer's parameters (which feed one channel group each)
 * with their group's only. Heads and readout get exact gradients.
 */
export class LocalForwardGradientWeights implements Estimator {
  readonly name = 'lg-fg-w';
  private readonly programs = new ProgramCache<number, { program: Program; body: readonly string[] }>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {
    this.buffers = new DirectionBuffers(model.layout);
  }

  private async build(k: number): Promise<{ program: Program; body: readonly string[] }> {
    const g = localGraph(this.model, 'group');
    const entries = new Map(g.params.map((p, i) => [p, this.model.layout.entries[i]!]));
    const directions = new Map(g.body.map((p) => [p, input(`${entries.get(p)!.name}:directions`, 'float32', [k, ...p.shape])]));
    const block = new Map(ownership(g.blocks.map((b) => b.output), g.body).owned.flatMap((mine, b) => mine.map((p) => [p, b] as const)));
    const grads = new Map<Tensor, Tensor>();
    for (let d = 0; d < k; d++) {
      const direction = (p: Tensor) => reshape(slice(directions.get(p)!, { starts: [d], ends: [d + 1], axes: [0] }), p.shape);
      const tangents = jvp(g.local.map((l) => l.slots), new Map(g.body.map((p) => [p, direction(p)])));
      for (const p of g.body) {
        const term = credit(tangents[block.get(p)!]!, direction(p), entries.get(p)!);
        grads.set(p, grads.has(p) ? add(grads.get(p)!, term) : term);
      }
    }
    for (const p of g.body) grads.set(p, mul(grads.get(p)!, 1 / k));
    grad(g.exact, g.heads).forEach((gr, i) => grads.set(g.heads[i]!, gr));
    const program = await compile({ inputs: [g.x, g.y, ...g.params, ...directions.values()], outputs: [g.losses, flattenGrads(g.params, grads)] }, this.options.compile);
    return { program, body: g.body.map((p) => entries.get(p)!.name) };
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    noAllocation(this.name, request);
    const k = directionsFor(request, this.options.directions ?? 1, 1);
    const { program, body } = await this.programs.get(k, () => this.build(k));
    const directions = this.buffers.fill(k, deriveSeed(this.options.seed ?? 0, request.step), this.options.noise ?? 'gaussian', 1);
    const feeds: Record<string, Feed> = modelFeeds(this.model, request.params, request.batch);
    this.model.layout.entries.forEach((e, i) => {
      if (body.includes(e.name)) feeds[`${e.name}:directions`] = directions[i]!;
    });
    const [losses, gradient] = await program.run(feeds);
    const loss = losses!.data as Float32Array;
    return { grad: gradient!.data as Float32Array, loss: meanOf(loss), queries: k * loss.length, perExample: { loss } };
  }
}

/**
 * The estimate for one parameter from its block's slot derivatives t [batch, P, G] and
 * its direction v: (mean over examples of Σ_{p,g} t) · v, or, for parameters declared
 * per group, each group's chunk of v scaled by that group's derivative only.
 */
function credit(t: Tensor, v: Tensor, entry: ParamEntry): Tensor {
  if (entry.groups === undefined) return mul(v, mean(sum(t, [1, 2]), 0));
  const { axis, count } = entry.groups;
  const shape = entry.shape;
  const perGroup = mean(sum(t, 1), 0);
  const split = [...shape.slice(0, axis), count, shape[axis]! / count, ...shape.slice(axis + 1)];
  const coefficient = reshape(perGroup, split.map((n, i) => (i === axis ? n : 1)));
  return reshape(mul(reshape(v, split), coefficient), shape);
}
