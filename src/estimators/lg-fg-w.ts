import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { sum } from '../engine/ops/sum.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { grad } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import type { ParamEntry } from '../nn/params.js';
import { DirectionBuffers, type Distribution, stepKey } from '../objectives/directions.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds } from '../objectives/program-inputs.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, type EstimatorDescriptor, defineEstimator, directionsFor, noAllocation, graph } from './estimator.js';
import { gradientOutputs, runGradient } from './graph-outputs.js';
import { masked } from './mask.js';
import { meanOf } from './stats.js';
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
export class LocalForwardGradientWeights implements Estimator<EmptyState> {
  readonly name = 'lg-fg-w';
  private readonly programs = new ProgramCache<number, { program: Program; body: readonly string[] }>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: LocalForwardGradientOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {
    checkOptions('lg-fg-w', localGroupFgW.options, options);
    this.buffers = new DirectionBuffers(model.layout);
  }

  private async build(k: number): Promise<{ program: Program; body: readonly string[] }> {
    const g = localGraph(this.model, this.objective, 'group');
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
    const program = await compile({ inputs: [g.x, g.y, ...g.params, ...directions.values()], outputs: [g.losses, ...gradientOutputs(g.params, grads)] }, this.options.compile);
    return { program, body: g.body.map((p) => entries.get(p)!.name) };
  }

  init(): EmptyState {
    return emptyState();
  }

  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    noAllocation(this.name, request);
    const k = directionsFor(request, this.options.directions, 1);
    const { program, body } = await this.programs.get(k, () => this.build(k));
    const directions = this.buffers.fill(k, stepKey(this.options.seed, request.step), this.options.noise, 1, 0, request.mask);
    const feeds: Record<string, Feed> = modelFeeds(this.model, this.objective, request.params, request.batch);
    this.model.layout.entries.forEach((e, i) => {
      if (body.includes(e.name)) feeds[`${e.name}:directions`] = directions[i]!;
    });
    const { outputs, grad } = await runGradient(program, feeds, 1);
    const loss = float32Output(outputs, 0);
    return { estimate: { grad: masked(grad, request.mask), loss: meanOf(loss), queries: k * loss.length, perExample: { loss } }, state };
  }

  dispose(): Promise<void> {
    return this.programs.dispose();
  }
}

export interface LocalForwardGradientOptions {
  readonly directions: number;
  readonly noise: Distribution;
}

/** The options of both local forward-gradient methods. */
export const localForwardGradientOptions: EstimatorDescriptor<LocalForwardGradientOptions>['options'] = {
  directions: { type: 'integer', default: 1, min: 1, help: 'directions (forward-mode passes) per step, K' },
  noise: { type: 'string', default: 'gaussian', choices: ['gaussian', 'rademacher'], help: 'noise distribution (both have E[zzᵀ] = I)' },
};

export const localGroupFgW = defineEstimator<LocalForwardGradientOptions>({
  name: 'lg-fg-w',
  summary: "local group losses, forward gradient with weight perturbation: each parameter hears its own block's (and group's) losses",
  paper: 'Ren, Kornblith, Liao, Hinton 2023, "Scaling Forward Gradient With Local Losses", §4 (LG-FG-W)',
  needs: 'forward-mode',
  localHeads: true,
  objectives: ['cross-entropy'],
  options: localForwardGradientOptions,
  defaultLearningRate: 3e-3,
  cost: (o, batch) => o.directions * batch,
  create: (context, options) => new LocalForwardGradientWeights(...graph('lg-fg-w', context), { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});

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
