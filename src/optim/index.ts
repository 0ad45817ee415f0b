export { scaleByAdam, type AdamState, type ScaleByAdamOptions } from './adam.js';
export { adam, adamw, sgd, type AdamOptions, type SgdOptions } from './aliases.js';
export { clipByGlobalNorm, clipByValue } from './clip.js';
export { scaleByLearningRate } from './learning-rate.js';
export { scaleByMomentum, type MomentumState } from './momentum.js';
export {
  createOptimizer,
  createSchedule,
  OPTIMIZER_NAMES,
  SCHEDULE_NAMES,
  type OptimizerConfig,
  type OptimizerName,
  type ScheduleConfig,
  type ScheduleName,
} from './registry.js';
export { constantSchedule, cosine, cosineDecay, join, linear, stepDecay, type CosineOptions, type Schedule } from './schedules.js';
export { applyGradient, applyUpdates, chain, elementwise, type GradientTransformation, type UpdateResult } from './transform.js';
export { addDecayedWeights } from './weight-decay.js';
export { type EveryKState, everyK, masked, updateNoise } from './wrappers.js';
export { type Gradient, type Stage, runStages } from './stages.js';
