import { type Batch, gatherRows } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { input } from '../engine/ir/tensor.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest, copiesOf, copyOffsets } from './loss-oracle.js';
import type { Objective } from './objective.js';
import { batchFeeds } from './program-inputs.js';

/**
 * A model seen only through its outputs: parameters θ and examples in, outputs out, and
 * nothing else — an ONNX file run as it is (`OnnxBlackBox`), a remote model, a device.
 */
export interface OutputFunction {
  /** The model's name in messages and checkpoints. */
  readonly spec: string;
  /** Shape of one example. */
  readonly inputShape: readonly number[];
  readonly outputs: number;
  /** Length of θ. */
  readonly size: number;
  /** Outputs [b × outputs], row-major, for examples x [b, ...inputShape] at θ. */
  run(theta: Float32Array, x: HostTensor<'float32'>): Promise<Float32Array>;
}

/** The objective's per-example losses of outputs computed elsewhere: one compiled program on [batch, outputs]. */
export class OutputLosses {
  private program?: Promise<Program>;

  constructor(
    readonly objective: Objective,
    readonly outputs: number,
    private readonly compileOptions?: CompileOptions,
  ) {}

  /** Losses [b] of outputs [b × outputs] against targets y [b, …] (checked by the caller). Throws RangeError for outputs of another length. */
  async run(outputs: Float32Array, y: HostTensor): Promise<Float32Array> {
    const b = y.shape[0]!;
    if (outputs.length !== b * this.outputs) throw new RangeError(`outputs hold ${outputs.length} values, expected ${b} examples × ${this.outputs}`);
    this.program ??= (() => {
      const out = input('outputs', 'float32', ['batch', this.outputs]);
      const target = this.objective.target(this.outputs);
      const targets = input('y', target.dtype, ['batch', ...target.shape]);
      return compile({ inputs: [out, targets], outputs: [this.objective.loss(out, targets)] }, this.compileOptions);
    })();
    return float32Output(await (await this.program).run({ outputs: new HostTensor('float32', [b, this.outputs], outputs), y }), 0);
  }

  async dispose(): Promise<void> {
    await (await this.program?.catch(() => undefined))?.dispose();
  }
}

/**
 * The loss oracle of a model seen through its outputs: each copy θ + offset runs the
 * function once on the examples it is asked about (the whole batch, or its allocated
 * slots), and the objective's losses of those outputs are the copy's losses. Padding
 * slots are never run (their losses read 0 and cost nothing), as with
 * `BlackBoxLossOracle`; unlike it, the function is called once per copy with a batch of
 * examples, never once per query, so θ is formed once per copy.
 */
export class OutputLossOracle implements LossOracle {
  readonly dimension: number;
  private readonly losses: OutputLosses;

  constructor(
    readonly model: OutputFunction,
    readonly objective: Objective,
    compileOptions?: CompileOptions,
  ) {
    this.dimension = model.size;
    this.losses = new OutputLosses(objective, model.outputs, compileOptions);
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const { params: theta, perturbation: p, slots } = request;
    const batch = batchFeeds(this.model, this.objective, request.batch);
    const b = batch.x.shape[0]!;
    const m = slots ? slots.m : b;
    const copies = copiesOf(p);
    const offset = copyOffsets(request, this.dimension);
    const losses = new Float32Array(copies * m);
    const copy = new Float32Array(this.dimension);
    let queries = 0;
    for (let c = 0; c < copies; c++) {
      // The columns of this copy that are real queries, and their examples.
      const columns: number[] = [];
      const examples: number[] = [];
      for (let j = 0; j < m; j++) {
        const e = slots ? slots.example[(c % (copies / 2)) * m + j]! : j;
        if (e >= 0) {
          columns.push(j);
          examples.push(e);
        }
      }
      if (columns.length === 0) continue;
      offset(c, copy);
      for (let i = 0; i < copy.length; i++) copy[i] = theta[i]! + copy[i]!;
      const rows: Batch = slots ? gatherRows(batch as Batch, Int32Array.from(examples)) : (batch as Batch);
      const values = await this.losses.run(await this.model.run(copy, rows.x), rows.y);
      columns.forEach((j, q) => (losses[c * m + j] = values[q]!));
      queries += columns.length;
    }
    return { losses, queries };
  }

  dispose(): Promise<void> {
    return this.losses.dispose();
  }
}
