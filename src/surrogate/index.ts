export { type HistoryQuery, type HistoryState, QueryHistory } from './history.js';
export { KERNEL_NAMES, type KernelName } from './kernels.js';
export { type WarningHandler, choleskyWithJitter } from './cholesky.js';
export { TARGET_SCALINGS, type TargetScaling } from './target-scaling.js';
export { GaussianProcess, type GaussianProcessOptions, type GpHyperparameters } from './gaussian-process.js';
export { type MarginalLikelihood, type MarginalLikelihoodOptions, logMarginalLikelihood } from './marginal-likelihood.js';
export { type BoxLbfgsOptions, type BoxLbfgsResult, type Objective, minimizeBoxLbfgs } from './lbfgs.js';
export { type Bounds, type GpFit, type GpFitOptions, type GpFitStart, fitGaussianProcess } from './fit-gaussian-process.js';
export {
  type ActiveQuery,
  type ActiveQueryOptions,
  type SurrogateStep,
  type VirtualUpdateOptions,
  type VirtualUpdateResult,
  selectActiveQueries,
  virtualUpdates,
} from './zord.js';
export {
  type RandomFeatureFit,
  type RandomFeatureFitOptions,
  type RandomFeatureModel,
  type RandomFeaturesOptions,
  RandomFourierFeatures,
  averageRandomFeatureModels,
} from './random-features.js';
export {
  directionalEstimate,
  estimatePriorCosine,
  finiteDifferencePoints,
  gradientNormSquared,
  prgfDirections,
  prgfSamplingWeight,
  rgfDirections,
} from './random-directions.js';
export { sampleDirichlet, sampleGamma } from './dirichlet.js';
export { type AckleyOptions, type FederatedQuadratic, type FederatedQuadraticOptions, type TestFunction, ackley, federatedQuadratic, levy } from './test-functions.js';
