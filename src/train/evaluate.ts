import { type CompileOptions, type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { batches } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { batchInputs, modelFeeds } from '../estimators/graph-inputs.js';
import { crossEntropy } from '../nn/losses.js';
import { countCorrect } from '../nn/metrics.js';
import type { Model } from '../nn/model.js';

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
  readonly examples: number;
}

/** Mean cross-entropy and accuracy of θ on a dataset: forward passes only, in large batches. */
export class Evaluator {
  private program?: Promise<Program>;

  constructor(
    readonly model: Model,
    private readonly compileOptions?: CompileOptions,
  ) {}

  private build(): Promise<Program> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const logits = this.model.forward(x, params).out;
    return compile({ inputs: [x, y, ...params], outputs: [crossEntropy(logits, y), logits] }, this.compileOptions);
  }

  async evaluate(theta: Float32Array, dataset: Dataset, batchSize = 1000): Promise<Evaluation> {
    this.program ??= this.build();
    const program = await this.program;
    let loss = 0;
    let correct = 0;
    for (const batch of batches(dataset, { batchSize, shuffle: false })) {
      const [losses, logits] = await program.run(modelFeeds(this.model, theta, batch));
      for (const l of losses!.data as Float32Array) loss += l;
      correct += countCorrect(logits!.data as Float32Array, batch.y.data, this.model.outputs);
    }
    return { loss: loss / dataset.size, accuracy: correct / dataset.size, examples: dataset.size };
  }
}
