import type { Tensor } from '../../../src/engine/ir/tensor.js';

/** How a test input is filled: normals, positives (for log/sqrt/denominators), or integer labels below `below`. */
export type Fill = 'normal' | 'positive' | { readonly ints: number } | 'bool';

export interface InputCase {
  readonly shape: readonly number[];
  readonly fill?: Fill;
  /** Declare axis 0 as the symbolic size 'n' (exercises run-time shape lowering). */
  readonly symbolic?: boolean;
}

/** One row of the op table: inputs and a function that applies the op under test. */
export interface OpCase {
  readonly op: string;
  readonly label?: string;
  readonly inputs: readonly InputCase[];
  readonly build: (...xs: Tensor[]) => Tensor;
  /** The row rounds through float32: finite differences take a larger step and tolerances loosen. */
  readonly rounds?: true;
  /** False when the op deliberately differs from its finite differences (stopGradient). */
  readonly fd?: false;
}
