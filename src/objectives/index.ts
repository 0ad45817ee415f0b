export { type Objective, type TargetKind, OBJECTIVE_SPECS, crossEntropyObjective, mseObjective, objectiveFromSpec } from './objective.js';
export { type ProgramInputs, batchFeeds, modelFeeds, programInputs, targetFeed } from './program-inputs.js';
export { type DirectionSet, type Distribution, DirectionBuffers, appliedFractions, directionSum, drawDirection, stepKey } from './directions.js';
export * from './loss-oracle.js';
export { ModelLossOracle, copyProgram } from './model-oracle.js';
export { type CallsResult, type CopyCall, type CopyRow, type CopyRunner, CopyEvaluator, assembleCalls, planCalls, slotsPerCopy } from './copy-calls.js';
export { type BlackBoxObjective, type BlackBoxQueries, BlackBoxLossOracle } from './black-box.js';
export { type OutputFunction, OutputLossOracle, OutputLosses } from './output-oracle.js';
export { vectorBatch, vectorDataset, vectorOracle } from './vector-objective.js';
