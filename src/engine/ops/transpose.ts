import type { Tensor } from '../ir/tensor.js';
import { ints } from '../onnx/lower-context.js';
import { permuteValues, tensorOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';

export interface TransposeParams {
  /** Output axis i is input axis perm[i]. */
  readonly perm: readonly number[];
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

// transpose is linear: d transpose(x) = transpose(dx); its adjoint is the inverse permutation
export const transposeOp = defineOp<TransposeParams>({
  name: 'transpose',
  arity: 1,
  infer: ([x], { perm }) => {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x!.shape.length || sorted.some((p, i) => p !== i)) {
      throw new RangeError(`perm [${perm.join(',')}] is not a permutation of ${x!.shape.length} axes`);
    }
    return { dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
  },
  jvp: (_x, [dx], { perm }) => transpose(dx!, perm),
  vjp: (ct, _x, { perm }) => [transpose(ct, inverse(perm))],
  lower: (ctx, [x], { perm }) => ctx.emit('Transpose', [x!], { perm: ints(perm) }),
  evaluate: ([x], { perm }, out) => tensorOf(out.dtype, out.shape, permuteValues(x!, perm)),
});

/** Permutes axes (default: reverses them); negative axes count from the end. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm?.map((a) => (a < 0 ? a + x.rank : a)) ?? x.shape.map((_, i) => x.rank - 1 - i);
  return p.every((a, i) => a === i) ? x : apply(transposeOp, [x], { perm: p });
}

/** Swaps the last two axes (the matrix transpose of a batch of matrices). */
export function matrixTranspose(x: Tensor): Tensor {
  if (x.rank < 2) throw new RangeError(`matrixTranspose needs rank >= 2, got ${x}`);
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [x.rank - 1, x.rank - 2];
  return transpose(x, perm);
}
