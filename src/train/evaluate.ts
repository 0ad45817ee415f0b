import { batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';

export interface Evaluation {
  /** Mean loss of the objective. */
  readonly loss: number;
  /** Share of correct predictions, as the objective counts them (argmax; thresholded outputs for MSE). */
  readonly accuracy: number;
  readonly examples: number;
}

/** The objective's mean loss and accuracy of θ on a dataset: forward passes only, in large batches. */
export class Evaluator {
  private program?: Promise<Program>;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions?: CompileOptions,
  ) {}

  private build(): Promise<Program> {
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const outputs = this.model.forward(x, params).out;
    return compile({ inputs: [x, y, ...params], outputs: [this.objective.loss(outputs, y), outputs] }, this.compileOptions);
  }

  async evaluate(theta: Float32Array, dataset: AnyDataset, batchSize = 1000): Promise<Evaluation> {
    this.program ??= this.build();
    const program = await this.program;
    let loss = 0;
    let correct = 0;
    for (const batch of batches(dataset, { batchSize, shuffle: false })) {
      const outputs = await program.run(modelFeeds(this.model, this.objective, theta, batch));
      for (const l of float32Output(outputs, 0)) loss += l;
      correct += this.objective.correct(float32Output(outputs, 1), (batch.y as HostTensor).data, this.model.outputs);
    }
    return { loss: loss / dataset.size, accuracy: correct / dataset.size, examples: dataset.size };
  }

  async dispose(): Promise<void> {
    await (await this.program?.catch(() => undefined))?.dispose();
  }
}
