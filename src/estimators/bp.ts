import { mean } from '../engine/ops/mean.js';
import type { CompileOptions, Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, noAllocation, graph } from './estimator.js';
import { FEEDBACK_STREAM, FeedbackWeights } from './feedback.js';
import { runLossAndGradient } from './graph-outputs.js';

/**
 * Backpropagation: the exact gradient by reverse mode. The reference every estimator
 * is measured against, and the baseline they are compared with. One query per example
 * (the forward pass; the backward pass is not a query). With `feedback` it is feedback
 * alignment (FA, Lillicrap et al. 2016): the backward pass runs through fixed random
 * weights instead of the forward ones.
 */
export class Backprop implements Estimator<EmptyState> {
  readonly name: string;
  private program?: Promise<Program>;
  private readonly feedback?: FeedbackWeights;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: { readonly seed?: Seed; readonly compile?: CompileOptions; readonly feedback?: boolean } = {},
  ) {
    this.name = options.feedback ? 'fa' : 'bp';
    if (options.feedback) this.feedback = new FeedbackWeights(model, deriveSeed(options.seed ?? 0, FEEDBACK_STREAM));
  }

  private build(): Promise<Program> {
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const losses = this.objective.loss(this.model.forward(x, params).out, y);
    const substitutes = this.feedback?.substitutes(this.model, params);
    const grads = grad(mean(losses), params, substitutes ? { substitutes } : {});
    return compile({ inputs: [x, y, ...params, ...(this.feedback?.inputs.values() ?? [])], outputs: [losses, ...grads] }, this.options.compile);
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

export const bp = defineEstimator({
  name: 'bp',
  summary: 'backpropagation: the exact gradient by reverse mode (the baseline)',
  paper: 'Rumelhart, Hinton, Williams 1986',
  needs: 'reverse-mode',
  options: {},
  defaultLearningRate: 1e-3,
  cost: (_, batch) => batch,
  create: (context) => new Backprop(...graph('bp', context), { seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});

export const fa = defineEstimator({
  name: 'fa',
  summary: 'feedback alignment: reverse mode through fixed random feedback weights',
  paper: 'Lillicrap, Cownden, Tweed, Akerman 2016, "Random synaptic feedback weights support error backpropagation for deep learning"',
  needs: 'reverse-mode',
  options: {},
  defaultLearningRate: 1e-3,
  cost: (_, batch) => batch,
  create: (context) => new Backprop(...graph('fa', context), { seed: context.seed, feedback: true, ...(context.compile && { compile: context.compile }) }),
});
