import { mean } from '../engine/ops/mean.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import { deriveSeed } from '../rng/stream.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, noAllocation } from './estimator.js';
import { FeedbackWeights } from './feedback.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { flatten, runLossAndGradient } from './graph-outputs.js';

/** Stream id of feedback weights under the estimator seed. */
export const FEEDBACK_STREAM = 0x6662; // 'fb'

/**
 * Backpropagation: the exact gradient by reverse mode. The reference every estimator
 * is measured against, and the baseline they are compared with. One query per example
 * (the forward pass; the backward pass is not a query). With `feedback` it is feedback
 * alignment (FA, Lillicrap et al. 2016): the backward pass runs through fixed random
 * weights instead of the forward ones.
 */
export class Backprop implements Estimator {
  readonly name: string;
  private program?: Promise<Program>;
  private readonly feedback?: FeedbackWeights;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions & { readonly feedback?: boolean } = {},
  ) {
    this.name = options.feedback ? 'fa' : 'bp';
    if (options.feedback) this.feedback = new FeedbackWeights(model, deriveSeed(options.seed ?? 0, FEEDBACK_STREAM));
  }

  private build(): Promise<Program> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const losses = crossEntropy(this.model.forward(x, params).out, y);
    const substitutes = this.feedback?.substitutes(this.model, params);
    const grads = grad(mean(losses), params, substitutes ? { substitutes } : {});
    return compile({ inputs: [x, y, ...params, ...(this.feedback?.inputs.values() ?? [])], outputs: [losses, flatten(grads)] }, this.options.compile);
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    noAllocation(this.name, request);
    const { params, batch } = request;
    this.program ??= this.build();
    return runLossAndGradient(await this.program, { ...modelFeeds(this.model, params, batch), ...this.feedback?.values });
  }
}
