import type { Batch } from '../data/batches.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest, copiesOf, copyOffsets } from './loss-oracle.js';

/** What a black box is asked: one parameter vector and one example of the batch per query. */
export interface BlackBoxQueries {
  /** [queries × dimension]: each query's parameter vector, row-major. */
  readonly params: Float32Array;
  /** The batch position of each query's example. */
  readonly examples: Int32Array;
  /** The batch the examples come from. */
  readonly batch: Batch;
}

/**
 * A black-box objective: the loss of each query, and nothing else — no gradients, no
 * internals. Any async function will do: a model behind an HTTP endpoint, a physical
 * device, a simulator. The caller decides what a parameter vector means (a prompt, the
 * weights of a head) and what the batch's examples are.
 */
export type BlackBoxObjective = (queries: BlackBoxQueries) => Promise<Float32Array>;

/**
 * The loss oracle of a black box: every (copy, example) query becomes one parameter
 * vector θ + offset and one example index, all sent in one call. Padding slots are never
 * sent (their losses read 0 and cost nothing). Losses that are not finite are returned as
 * they are: the estimator decides (the trainer stops on them, naming the step).
 */
export class BlackBoxLossOracle implements LossOracle {
  constructor(
    readonly dimension: number,
    private readonly objective: BlackBoxObjective,
  ) {
    if (!Number.isSafeInteger(dimension) || dimension < 1) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
    if (typeof objective !== 'function') throw new TypeError('objective must be an async function of the queries');
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const { params: theta, perturbation: p, slots } = request;
    const d = this.dimension;
    const b = request.batch.x.shape[0]!;
    const m = slots ? slots.m : b;
    const copies = copiesOf(p);
    const offset = copyOffsets(request, d);
    // (copy, column) pairs that are real queries, and the example each one asks about.
    const cells: number[] = [];
    for (let c = 0; c < copies; c++) {
      for (let j = 0; j < m; j++) {
        const e = slots ? slots.example[(c % (copies / 2)) * m + j]! : j;
        if (e >= 0) cells.push(c * m + j);
      }
    }
    const params = new Float32Array(cells.length * d);
    const examples = new Int32Array(cells.length);
    const copy = new Float32Array(d);
    let current = -1;
    cells.forEach((cell, q) => {
      const c = Math.floor(cell / m);
      if (c !== current) {
        // Cells come copy by copy: each copy's parameters are formed once.
        offset(c, copy);
        for (let i = 0; i < d; i++) copy[i] = theta[i]! + copy[i]!;
        current = c;
      }
      params.set(copy, q * d);
      examples[q] = slots ? slots.example[(c % (copies / 2)) * m + (cell % m)]! : cell % m;
    });
    const values = await this.objective({ params, examples, batch: request.batch });
    if (!(values instanceof Float32Array) || values.length !== cells.length) {
      throw new RangeError(`the black-box objective returned ${values?.length} losses for ${cells.length} queries (expected a Float32Array of that length)`);
    }
    const losses = new Float32Array(copies * m);
    cells.forEach((cell, q) => (losses[cell] = values[q]!));
    return { losses, queries: cells.length };
  }

  /** A black box holds nothing of ours. */
  async dispose(): Promise<void> {}
}
