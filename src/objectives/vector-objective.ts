import type { DatasetBatch } from '../data/batches.js';
import { type Dataset, createDataset } from '../data/dataset.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { BlackBoxLossOracle } from './black-box.js';

/**
 * A function of a vector x ∈ R^P as a loss oracle, for objectives that are not a loss over
 * examples: benchmark functions, a federated client's objective, a metric computed over a
 * whole data set, an attack on one image. Every query's parameter vector (float32, as the
 * oracle formed it) is handed to `f` as float64; its value is returned as float32, the
 * oracle's unit. The batch the oracle is asked about is a placeholder: step the estimator
 * over `vectorDataset()` (with runSteps) or `vectorBatch()` (with trainStep).
 * Throws RangeError for a dimension that is not a positive integer, TypeError for a non-function f.
 */
export function vectorOracle(dimension: number, f: (x: Float64Array) => number): BlackBoxLossOracle {
  if (typeof f !== 'function') throw new TypeError('f must be a function of a Float64Array');
  return new BlackBoxLossOracle(dimension, async ({ params, examples }) =>
    Float32Array.from(examples, (_, q) => f(Float64Array.from(params.subarray(q * dimension, (q + 1) * dimension)))),
  );
}

/** The one-example placeholder data set a vector objective's steps iterate over (one batch per epoch). */
export function vectorDataset(): Dataset {
  return createDataset({ name: 'vector-objective', inputShape: [1], classes: 1, x: new Float32Array(1), y: new Int32Array(1) });
}

/** The placeholder batch of a vector objective (its one example). */
export function vectorBatch(): DatasetBatch {
  return { x: new HostTensor('float32', [1, 1], new Float32Array(1)), y: new HostTensor('int64', [1], new BigInt64Array(1)), indices: new Int32Array(1) };
}
