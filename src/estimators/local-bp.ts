import { add } from '../engine/ops/add.js';
import type { CompileOptions, Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad } from '../engine/transforms/vjp.js';
import type { Granularity } from '../nn/local-loss.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds } from '../objectives/program-inputs.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, type EstimatorDescriptor, noAllocation, graph } from './estimator.js';
import { FEEDBACK_STREAM, FeedbackWeights } from './feedback.js';
import { runLossAndGradient } from './graph-outputs.js';
import { localGraph, slotObjective } from './local-graph.js';

/**
 * Local losses with backprop inside each block (Ren et al. 2023): L-BP splits the loss
 * per patch, LG-BP per patch and channel group; stop-gradients keep every block's
 * signal inside it. With `feedback`, the backward pass inside the blocks (and into the
 * heads) runs through fixed random weights: L-FA and LG-FA.
 */
export class LocalBackprop implements Estimator<EmptyState> {
  readonly name: string;
  private program?: Promise<Program>;
  private readonly feedback?: FeedbackWeights;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: { readonly granularity: Granularity; readonly feedback?: boolean; readonly seed?: Seed; readonly compile?: CompileOptions },
  ) {
    this.name = `${options.granularity === 'group' ? 'lg' : 'l'}-${options.feedback ? 'fa' : 'bp'}`;
    if (options.feedback) this.feedback = new FeedbackWeights(model, deriveSeed(options.seed ?? 0, FEEDBACK_STREAM));
  }

  private build(): Promise<Program> {
    const g = localGraph(this.model, this.objective, this.options.granularity, this.feedback?.inputs);
    const objective = g.local.reduce((total, l) => add(total, slotObjective(l.slots)), g.exact);
    const substitutes = this.feedback?.substitutes(this.model, g.params);
    const grads = grad(objective, g.params, substitutes ? { substitutes } : {});
    return compile({ inputs: [g.x, g.y, ...g.params, ...(this.feedback?.inputs.values() ?? [])], outputs: [g.losses, ...grads] }, this.options.compile);
  }

  init(): EmptyState {
    return emptyState();
  }

  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    noAllocation(this.name, request);
    this.program ??= this.build();
    return runLossAndGradient(await this.program, { ...modelFeeds(this.model, this.objective, request.params, request.batch), ...this.feedback?.values }, request, state);
  }

  async dispose(): Promise<void> {
    await (await this.program?.catch(() => undefined))?.dispose();
  }
}

const LOCAL_PAPER = 'Ren, Kornblith, Liao, Hinton 2023, "Scaling Forward Gradient With Local Losses", §4 and Table 3';

/** The four local backprop/FA methods: L = per-block losses split per patch, LG = also per channel group. */
function localMethod(granularity: Granularity, feedback: boolean): EstimatorDescriptor {
  const name = `${granularity === 'group' ? 'lg' : 'l'}-${feedback ? 'fa' : 'bp'}`;
  return {
    name,
    summary: `local ${granularity === 'group' ? 'patch and group' : 'patch'} losses, ${feedback ? 'feedback alignment' : 'backprop'} inside each block`,
    paper: LOCAL_PAPER,
    needs: 'reverse-mode',
    localHeads: true,
    objectives: ['cross-entropy'],
    options: {},
    defaultLearningRate: 1e-3,
    cost: (_, batch) => batch,
    create: (context) => new LocalBackprop(...graph(name, context), { granularity, feedback, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
  };
}

export const localBp = localMethod('patch', false);
export const localGroupBp = localMethod('group', false);
export const localFa = localMethod('patch', true);
export const localGroupFa = localMethod('group', true);
