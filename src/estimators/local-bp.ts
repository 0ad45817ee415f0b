import { add } from '../engine/ops/add.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad } from '../engine/transforms/vjp.js';
import type { Granularity } from '../nn/local-loss.js';
import type { Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { FEEDBACK_STREAM } from './bp.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, noAllocation } from './estimator.js';
import { FeedbackWeights } from './feedback.js';
import { modelFeeds } from './graph-inputs.js';
import { flatten, runLossAndGradient } from './graph-outputs.js';
import { localGraph, slotObjective } from './local-graph.js';

/**
 * Local losses with backprop inside each block (Ren et al. 2023): L-BP splits the loss
 * per patch, LG-BP per patch and channel group; stop-gradients keep every block's
 * signal inside it. With `feedback`, the backward pass inside the blocks (and into the
 * heads) runs through fixed random weights: L-FA and LG-FA.
 */
export class LocalBackprop implements Estimator {
  readonly name: string;
  private program?: Promise<Program>;
  private readonly feedback?: FeedbackWeights;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions & { readonly granularity: Granularity; readonly feedback?: boolean },
  ) {
    this.name = `${options.granularity === 'group' ? 'lg' : 'l'}-${options.feedback ? 'fa' : 'bp'}`;
    if (options.feedback) this.feedback = new FeedbackWeights(model, deriveSeed(options.seed ?? 0, FEEDBACK_STREAM));
  }

  private build(): Promise<Program> {
    const g = localGraph(this.model, this.options.granularity, this.feedback?.inputs);
    const objective = g.local.reduce((total, l) => add(total, slotObjective(l.slots)), g.exact);
    const substitutes = this.feedback?.substitutes(this.model, g.params);
    const grads = grad(objective, g.params, substitutes ? { substitutes } : {});
    return compile({ inputs: [g.x, g.y, ...g.params, ...(this.feedback?.inputs.values() ?? [])], outputs: [g.losses, flatten(grads)] }, this.options.compile);
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    noAllocation(this.name, request);
    const { params, batch } = request;
    this.program ??= this.build();
    return runLossAndGradient(await this.program, { ...modelFeeds(this.model, params, batch), ...this.feedback?.values });
  }
}
