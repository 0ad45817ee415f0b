import { type Batch, batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { type OutputFunction, OutputLosses } from '../objectives/output-oracle.js';
import { batchFeeds, modelFeeds, programInputs } from '../objectives/program-inputs.js';

export interface Evaluation {
  /** Mean loss of the objective. */
  readonly loss: number;
  /** Share of correct predictions, as the objective counts them (argmax; thresholded outputs for MSE). */
  readonly accuracy: number;
  readonly examples: number;
}

/**
 * The objective's mean loss and accuracy of θ on a dataset: forward passes only, in
 * large batches. A model is compiled with its loss into one program; a model seen only
 * through its outputs (a black box) is run as it is and its outputs scored.
 */
export class Evaluator {
  private program?: Promise<Program>;
  private readonly losses?: OutputLosses;

  constructor(
    readonly model: Model | OutputFunction,
    readonly objective: Objective,
    private readonly compileOptions?: CompileOptions,
  ) {
    if (!(model instanceof Model)) this.losses = new OutputLosses(objective, model.outputs, compileOptions);
  }

  private build(model: Model): Promise<Program> {
    const { x, y } = programInputs(model, this.objective);
    const params = model.paramInputs();
    const outputs = model.forward(x, params).out;
    return compile({ inputs: [x, y, ...params], outputs: [this.objective.loss(outputs, y), outputs] }, this.compileOptions);
  }

  /** Per-example losses and outputs of θ on one batch. */
  private async run(theta: Float32Array, batch: Batch): Promise<{ losses: Float32Array; outputs: Float32Array }> {
    const model = this.model;
    if (model instanceof Model) {
      this.program ??= this.build(model);
      const outputs = await (await this.program).run(modelFeeds(model, this.objective, theta, batch));
      return { losses: float32Output(outputs, 0), outputs: float32Output(outputs, 1) };
    }
    const { x, y } = batchFeeds(model, this.objective, batch);
    const outputs = await model.run(theta, x);
    return { losses: await this.losses!.run(outputs, y), outputs };
  }

  async evaluate(theta: Float32Array, dataset: AnyDataset, batchSize = 1000): Promise<Evaluation> {
    let loss = 0;
    let correct = 0;
    for (const batch of batches(dataset, { batchSize, shuffle: false })) {
      const { losses, outputs } = await this.run(theta, batch);
      for (const l of losses) loss += l;
      correct += this.objective.correct(outputs, (batch.y as HostTensor).data, this.model.outputs);
    }
    return { loss: loss / dataset.size, accuracy: correct / dataset.size, examples: dataset.size };
  }

  async dispose(): Promise<void> {
    await Promise.all([(async () => (await this.program?.catch(() => undefined))?.dispose())(), this.losses?.dispose()]);
  }
}
