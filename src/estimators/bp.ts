import { mean } from '../engine/ops/mean.js';
import { type Executable, compile } from '../engine/runtime/executable.js';
import { grad } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import type { Estimate, EstimateRequest, Estimator, EstimatorOptions } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { flatten, meanOf } from './graph-outputs.js';

/**
 * Backpropagation: the exact gradient by reverse mode. The reference every estimator
 * is measured against, and the baseline they are compared with. One query per example
 * (the forward pass; the backward pass is not a query).
 */
export class Backprop implements Estimator {
  readonly name = 'bp';
  private program?: Promise<Executable>;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {}

  private build(): Promise<Executable> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const losses = crossEntropy(this.model.forward(x, params).out, y);
    const grads = grad(mean(losses), params);
    return compile({ inputs: [x, y, ...params], outputs: [losses, flatten(grads)] }, this.options.compile);
  }

  async estimate({ params, batch }: EstimateRequest): Promise<Estimate> {
    this.program ??= this.build();
    const [losses, gradient] = await (await this.program).run(modelFeeds(this.model, params, batch));
    const loss = losses!.data as Float32Array;
    return { grad: gradient!.data as Float32Array, loss: meanOf(loss), queries: loss.length, perExample: { loss } };
  }
}
