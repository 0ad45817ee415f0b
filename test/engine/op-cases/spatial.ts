import type { OpCase } from './case.js';

/** Rows for indexing, concatenation, convolution and pooling. */
export const spatialCases: OpCase[] = [];
