// The platform-neutral library: what runs in browsers (with onnxruntime-web) as well as Node.
export * from './engine/index.js';
export * from './rng/index.js';
export * from './nn/index.js';
export * from './objectives/index.js';
export * from './estimators/index.js';
export * from './allocators/index.js';
export * from './optim/index.js';
export * from './state/index.js';
export { type Batch, type BatchOptions, type DatasetBatch, type RegressionBatch, batchCount, batches, epochOrder, gatherRows } from './data/batches.js';
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
export { MNIST_DIGIT_FILES, MNIST_SPLIT_SEED, decodeMnistDigits } from './data/mnist-digits.js';
export { stratifiedSplit } from './data/split.js';
export { MAX_PARITY_BITS, parity } from './data/parity.js';
export { LETTERS, LETTERS_SEED, type LettersOptions, letters7x7 } from './data/letters.js';
export { NonFiniteError, type Progress, type StepContext, type StepHook, type Stepper, type TrainState, estimateStep, initTrainState, runSteps, trainStep } from './train/step.js';
export { Evaluator, type Evaluation } from './train/evaluate.js';
export { runSeeds } from './train/seeds.js';
export * from './sparse/index.js';
export * from './landscape/index.js';
export { type EmptySpaceOptions, EMPTY_SPACE_DEFAULTS, candidatesPerAnchor, emptySpaceSearch, force as emptySpaceForce, resolveSearchOptions } from './explore/empty-space.js';
export { CART_POLE, CartPolePolicy, cartPoleEpisodes, cartPoleObjective, cartPoleStarts, cartPoleStep } from './control/cart-pole.js';
export { type DenseGradient, SUBNETS_HOOK, type SubnetsOptions, type SubnetsState, subnetsHook } from './train/hooks/subnets.js';
export { CORRECTION_HOOK, CORRECTION_MODES, type CorrectionMode, type CorrectionState, type GradientCorrectionOptions, gradientCorrectionHook } from './train/hooks/gradient-correction.js';
export { EXPLORE_HOOK, type ExploreOptions, type ExploreSpec, type ExploreState, exploreHook, parseExploreSpec } from './train/hooks/explore.js';
