// The platform-neutral library: what runs in browsers (with onnxruntime-web) as well as Node.
export * from './engine/index.js';
export * from './rng/index.js';
export * from './nn/index.js';
export * from './estimators/index.js';
export * from './optim/index.js';
export { type Batch as DataBatch, type BatchOptions, type RegressionBatch, batchCount, batches, epochOrder } from './data/batches.js';
export {
  type AnyDataset,
  type Dataset,
  type DatasetInit,
  type DatasetSplit,
  type RegressionDataset,
  type RegressionDatasetInit,
  type RegressionSplit,
  type Task,
  classCounts,
  createDataset,
  createRegressionDataset,
  describe as describeDataset,
  exampleSize,
  subset,
  withClasses,
} from './data/dataset.js';
export { stratifiedSplit } from './data/split.js';
