import type { OpCase } from './case.js';

/** Rows for elementwise math, normalisation, softmax family, reductions and losses. */
export const elementwiseCases: OpCase[] = [];
