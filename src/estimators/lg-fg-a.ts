import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { type ActivityProgram, noiseFeeds, noiseInputs, siteShapes } from './activity-noise.js';
import { add } from '../engine/ops/add.js';
import { mul } from '../engine/ops/mul.js';
import { type CompileOptions, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { grad, vjp } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import { stepKey } from '../objectives/directions.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds } from '../objectives/program-inputs.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, directionsFor, noAllocation, graph } from './estimator.js';
import { gradientOutputs, runGradient } from './graph-outputs.js';
import { masked } from './mask.js';
import { meanOf } from './stats.js';
import { ownership } from './ownership.js';
import { localGraph } from './local-graph.js';
import { ProgramCache } from './program-cache.js';
import { type LocalForwardGradientOptions, localForwardGradientOptions } from './lg-fg-w.js';

/**
 * LG-FG-A (Ren et al. 2023): forward gradients with activity perturbation against local
 * group losses. Every pre-activation unit gets its own per-example noise; one tangent
 * pass per site gives the directional derivatives of its block's slot losses
 * [batch, P, G], and each unit is credited with the derivative of the slots it can
 * reach (its own patch and group, or its whole patch before channels mix), so a unit's
 * estimate carries the noise of one slot's units only. Each layer's weights then get
 * their local map from the pre-activation estimates; heads and readout get exact
 * gradients. Unbiased for the local objective's gradient (LG-BP's).
 */
export class LocalForwardGradientActivities implements Estimator<EmptyState> {
  readonly name = 'lg-fg-a';
  private readonly programs = new ProgramCache<number, ActivityProgram>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: LocalForwardGradientOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {
    checkOptions('lg-fg-a', localGroupFgA.options, options);
  }

  private async build(k: number): Promise<ActivityProgram> {
    const g = localGraph(this.model, this.objective, 'group');
    const invBatch = input('invBatch', 'float32', []);
    const perDirection = mul(invBatch, 1 / k);
    const noise = noiseInputs(g.sites, k);
    const estimates = g.sites.map((site, s) => {
      if (!site.slots) throw new RangeError(`lg-fg-a: activity site '${site.scope}' does not say which local losses it reaches`);
      let total: Tensor | null = null;
      for (let d = 0; d < k; d++) {
        const u = noise[s]![d]!;
        const [tangent] = jvp([g.local[site.block]!.slots], new Map([[site.z, u]]));
        const term = mul(site.slots(mul(tangent!, perDirection)), site.mask ? mul(u, site.mask) : u);
        total = total === null ? term : add(total, term);
      }
      return total!;
    });
    const { owned } = ownership(g.sites.map((s) => s.z), g.body);
    const grads = new Map<Tensor, Tensor>();
    g.sites.forEach((site, s) => vjp([site.z], [estimates[s]!], owned[s]!).forEach((gr, i) => grads.set(owned[s]![i]!, gr)));
    grad(g.exact, g.heads).forEach((gr, i) => grads.set(g.heads[i]!, gr));
    const program = await compile({ inputs: [g.x, g.y, ...g.params, invBatch, ...noise.flat()], outputs: [g.losses, ...gradientOutputs(g.params, grads)] }, this.options.compile);
    return { program, siteShapes: siteShapes(g.sites) };
  }

  init(): EmptyState {
    return emptyState();
  }

  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    noAllocation(this.name, request);
    const k = directionsFor(request, this.options.directions, 1);
    const { program, siteShapes: shapes } = await this.programs.get(k, () => this.build(k));
    const b = request.batch.y.shape[0]!;
    const feeds: Record<string, Feed> = {
      ...modelFeeds(this.model, this.objective, request.params, request.batch),
      invBatch: Float32Array.of(1 / b),
      ...noiseFeeds(shapes, k, b, stepKey(this.options.seed, request.step), this.options.noise),
    };
    const { outputs, grad } = await runGradient(program, feeds, 1);
    const loss = float32Output(outputs, 0);
    return { estimate: { grad: masked(grad, request.mask), loss: meanOf(loss), queries: k * b, perExample: { loss } }, state };
  }

  dispose(): Promise<void> {
    return this.programs.dispose();
  }
}

export const localGroupFgA = defineEstimator<LocalForwardGradientOptions>({
  name: 'lg-fg-a',
  summary: "local group losses, forward gradient with activity perturbation: each unit hears its own (patch, group) slot's loss only",
  paper: 'Ren, Kornblith, Liao, Hinton 2023, "Scaling Forward Gradient With Local Losses", §4 (LG-FG-A)',
  needs: 'forward-mode',
  localHeads: true,
  objectives: ['cross-entropy'],
  options: localForwardGradientOptions,
  defaultLearningRate: 3e-3,
  cost: (o, batch) => o.directions * batch,
  create: (context, options) => new LocalForwardGradientActivities(...graph('lg-fg-a', context), { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});
