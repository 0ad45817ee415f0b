export { type SparsityPattern, checkPattern, densityMask, formatPattern, magnitudes, maskDensity, maskedParams, nmMask, parsePattern, parseSubnets, patternDensity, patternMask, topIndices } from './masks.js';
export { pruneAndRegrow, prunedDensity, regrowFraction } from './schedule.js';
export { type CorrectionOptions, correctGradient } from './correction.js';
