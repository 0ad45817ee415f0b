import { HostTensor } from '../engine/ir/host-tensor.js';
import { deriveSeed, type Seed } from '../rng/index.js';
import { type AnyDataset, type Dataset, type RegressionDataset, exampleSize } from './dataset.js';
import { permutation } from './permutation.js';

/** Tags the shuffling stream so it is independent of anything else derived from the same seed. */
const SHUFFLE_STREAM = 0x73687566; // 'shuf'

/**
 * A batch of b examples: inputs and targets of the objective's kind. Owned by the data
 * layer; every layer above takes it as is.
 */
export interface Batch {
  /** float32 [b, ...inputShape]. */
  readonly x: HostTensor<'float32'>;
  /** Targets: int64 [b] class indices, or float32 [b, ...target shape] (regression, MSE). */
  readonly y: HostTensor<'int64'> | HostTensor<'float32'>;
  /** The dataset index of each row, when the batch comes from a dataset (allocators key statistics by it). */
  readonly indices?: Int32Array;
}

/** A batch of a classification dataset: class labels and dataset indices. */
export interface DatasetBatch extends Batch {
  readonly y: HostTensor<'int64'>;
  readonly indices: Int32Array;
}

/** A batch of a regression dataset: float32 targets [b, ...targetShape] ([b] for one value, [b, k] for k) and dataset indices. */
export interface RegressionBatch extends Batch {
  readonly y: HostTensor<'float32'>;
  readonly indices: Int32Array;
}

interface CommonBatchOptions {
  readonly batchSize: number;
  /** Drop a final batch smaller than batchSize (default false). */
  readonly dropLast?: boolean;
  /** Skip the epoch's first startBatch batches, to resume a run mid-epoch (default 0). */
  readonly startBatch?: number;
}

/** Shuffled batches (the default) need the seed and epoch that determine their order. */
export type BatchOptions = CommonBatchOptions &
  ({ readonly shuffle?: true; readonly seed: Seed; readonly epoch: number } | { readonly shuffle: false; readonly seed?: Seed; readonly epoch?: number });

/** The order of epoch `epoch`: a function of (seed, epoch) only, so a resumed run replays it exactly. */
export function epochOrder(size: number, seed: Seed, epoch: number): Int32Array {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
  return permutation(size, deriveSeed(seed, SHUFFLE_STREAM, epoch));
}

/** Batches in one epoch of `size` examples. */
export function batchCount(size: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
}

/**
 * One epoch of batches, starting at batch `startBatch`. Each batch owns freshly allocated
 * arrays, so consumers may hold it across awaits or queue it; copying B rows costs little
 * next to the forward passes that consume them. A regression dataset yields RegressionBatches.
 * @throws RangeError for a batchSize or startBatch out of range; TypeError when a shuffled epoch lacks its seed or epoch.
 */
export function batches(dataset: Dataset, options: BatchOptions): Generator<DatasetBatch, void, undefined>;
export function batches(dataset: RegressionDataset, options: BatchOptions): Generator<RegressionBatch, void, undefined>;
export function batches(dataset: AnyDataset, options: BatchOptions): Generator<DatasetBatch | RegressionBatch, void, undefined>;
export function batches(dataset: AnyDataset, options: BatchOptions): Generator<DatasetBatch | RegressionBatch, void, undefined> {
  const { batchSize, dropLast = false, startBatch = 0, shuffle = true } = options;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const count = batchCount(dataset.size, batchSize, dropLast);
  if (!Number.isSafeInteger(startBatch) || startBatch < 0 || startBatch > count) {
    throw new RangeError(`startBatch must be an integer in [0, ${count}] (batches per epoch of '${dataset.name}'), got ${startBatch}`);
  }
  let order: Int32Array;
  if (shuffle) {
    if (options.seed === undefined || options.epoch === undefined) throw new TypeError('seed and epoch are required when shuffle is true');
    order = epochOrder(dataset.size, options.seed, options.epoch);
  } else {
    order = Int32Array.from({ length: dataset.size }, (_, i) => i);
  }
  return generate(dataset, order, batchSize, startBatch, count);
}

function* generate(dataset: AnyDataset, order: Int32Array, batchSize: number, startBatch: number, count: number): Generator<DatasetBatch | RegressionBatch, void, undefined> {
  const features = exampleSize(dataset.inputShape);
  for (let b = startBatch; b < count; b++) {
    const indices = order.slice(b * batchSize, (b + 1) * batchSize);
    const x = new Float32Array(indices.length * features);
    indices.forEach((i, r) => x.set(dataset.x.subarray(i * features, (i + 1) * features), r * features));
    const inputs = new HostTensor('float32', [indices.length, ...dataset.inputShape], x);
    if (dataset.task === 'regression') {
      const k = exampleSize(dataset.targetShape);
      const targets = new Float32Array(indices.length * k);
      indices.forEach((i, r) => targets.set(dataset.targets.subarray(i * k, (i + 1) * k), r * k));
      yield { x: inputs, y: new HostTensor('float32', [indices.length, ...dataset.targetShape], targets), indices };
    } else {
      yield { x: inputs, y: new HostTensor('int64', [indices.length], BigInt64Array.from(indices, (i) => BigInt(dataset.y[i]!))), indices };
    }
  }
}

/**
 * The rows of `batch` at `positions` (−1: padding, filled with example 0), as a batch
 * whose leading axes are `lead` (their product is positions.length), e.g. [K, m] to give
 * each of K directions its own m examples. Targets keep their dtype and per-example shape.
 */
export function gatherRows(batch: Batch, positions: Int32Array, lead: readonly number[] = [positions.length]): Batch {
  const b = batch.x.shape[0]!;
  const perExample = batch.x.size / b;
  const perTarget = batch.y.size / b;
  const x = new Float32Array(positions.length * perExample);
  const y = HostTensor.zeros(batch.y.dtype, [...lead, ...batch.y.shape.slice(1)]);
  positions.forEach((position, r) => {
    const e = Math.max(position, 0);
    x.set(batch.x.data.subarray(e * perExample, (e + 1) * perExample), r * perExample);
    // Both sides share the dtype (int64 labels or float32 targets); the union defeats set()'s typing.
    (y.data as Float32Array).set((batch.y.data as Float32Array).subarray(e * perTarget, (e + 1) * perTarget), r * perTarget);
  });
  return { x: new HostTensor('float32', [...lead, ...batch.x.shape.slice(1)], x), y: y as Batch['y'] };
}
