// The Node library: everything in the browser build, plus data loaders, training and benchmarks.
export * from './index.browser.js';
export { CSV_SPEC_OPTIONS, type CsvSpecOptions, DATASET_SPECS, type DatasetSpec, type LoadOptions, loadDataset, parseDatasetSpec } from './data/load.js';
export { loadMnist } from './data/mnist.js';
export { type InputStatistics, inputStatistics, normalizeInputs, normalizeSplit } from './data/normalize.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from './data/fashion-mnist.js';
export { CIFAR10_CLASSES, decodeCifar10Batch, loadCifar10 } from './data/cifar10.js';
export { decodeIdx, loadIdx, readIdx } from './data/idx.js';
export { type CsvColumn, type CsvDatasetSplit, type CsvOptions, type CsvRegressionSplit, loadCsv, parseCsv } from './data/csv.js';
export { DEFAULT_CONFIG, type TrainConfig } from './train/config.js';
export { type EpochMetrics, type StepRecord, type StopReason, type Summary, type TrainOptions, loadRunCheckpoint, train } from './train/trainer.js';
export { AllocationPilot, type AllocationSetup, type Pilot, type QueryAllocation, createQueryAllocation, queryAllocation } from './train/allocation.js';
export { ConfigError, validateConfig } from './train/validate.js';
export { type Checkpoint, loadCheckpoint, saveCheckpoint } from './train/checkpoint.js';
export { removeStaleTemps, writeFileAtomic } from './io/atomic-write.js';
export { FileError, readRegularFile, withFileContext } from './io/file-error.js';
export { type JsonLines, type Truncation, appendJsonLines, parseJsonLines, readJsonLines, truncateJsonLines } from './io/json-lines.js';
export { benchEngine } from './bench/engine.js';
export { benchEstimators } from './bench/estimators.js';
export { benchMemory } from './bench/memory.js';
export { benchImport } from './bench/import.js';
export { benchLandscape } from './bench/landscape.js';
export { checkpointSubnet, splitHoldout } from './train/run-hooks.js';
export { type RunLandscape, type RunLandscapeOptions, landscapeOfRun } from './experiments/landscape.js';
export { MGD_STEP_TARGET, benchMgd } from './bench/mgd.js';
// ONNX import (reads files with onnx-proto and node:fs): Node only.
export { IMPORT_OPSETS, type OnnxGraph, type OnnxNode, type ReadOptions, readOnnx } from './engine/onnx/read.js';
export { loadOnnx } from './engine/onnx/load.js';
export { type ImportEnv, activitySites, buildOnnxGraph, checkSupported, supportedOps, unsupportedNodes } from './engine/onnx/import.js';
export { initializersAsInputs, withInitializers, withInputPrompt } from './engine/onnx/rewrite.js';
export { BlackBoxModel, type BlackBoxParameter } from './engine/onnx/black-box.js';
export { OnnxModule, exportOnnxFile, onnxModel, parameterNames } from './nn/onnx-model.js';
export { type LoadModelOptions, checkModelData, importModel, isAdapting, loadModel } from './nn/load-model.js';
export { type BlackBoxOptions, OnnxBlackBox } from './nn/onnx-black-box.js';
export { type RunModel, checkRunData, graphRunModel, importRunModel, runModelAndData } from './train/run-model.js';
// Federated zeroth-order optimisation (checkpoints through node:fs): Node only.
export * from './federated/index.js';
