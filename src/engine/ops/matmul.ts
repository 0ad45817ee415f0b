import { broadcastShapes, formatShape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { broadcastIndex, tensorOf, valuesOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';
import { type NoParams, addAll, requireFloat, requireSameDtype, sumToShape } from './rules.js';
import { matrixTranspose } from './transpose.js';
import { reshape } from './reshape.js';

// d(a b) = da b + a db;  adjoints: ct bᵀ and aᵀ ct, summed over broadcast batch dims
export const matmulOp = defineOp<NoParams>({
  name: 'matmul',
  arity: 2,
  infer: ([a, b]) => {
    const dtype = requireSameDtype([a!, b!]);
    requireFloat(a!);
    if (a!.shape.length < 2 || b!.shape.length < 2) throw new RangeError('operands need rank >= 2 (reshape vectors to [1,n] or [n,1])');
    const [n, k] = a!.shape.slice(-2);
    const [k2, m] = b!.shape.slice(-2);
    if (k !== k2) throw new RangeError(`inner dimensions differ: ${k} vs ${k2}`);
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    if (batch === undefined) throw new RangeError(`batch dimensions ${formatShape(a!.shape.slice(0, -2))} and ${formatShape(b!.shape.slice(0, -2))} do not broadcast`);
    return { dtype, shape: [...batch, n!, m!] };
  },
  jvp: ([a, b], [da, db]) => addAll(da && matmul(da, b!), db && matmul(a!, db)),
  vjp: (ct, [a, b]) => [sumToShape(matmul(ct, matrixTranspose(b!)), a!.shape), sharedMatrixAdjoint(a!, b!, ct) ?? sumToShape(matmul(matrixTranspose(a!), ct), b!.shape)],
  lower: (ctx, [a, b]) => ctx.emit('MatMul', [a!, b!]),
  evaluate: ([a, b], _p, out) => {
    const [n, k] = a!.shape.slice(-2) as [number, number];
    const m = b!.shape[b!.shape.length - 1]!;
    const batch = out.shape.slice(0, -2);
    // One offset per batch index into each operand, via broadcasting over the batch dims.
    const aBatch = broadcastIndex(a!.shape.slice(0, -2), batch);
    const bBatch = broadcastIndex(b!.shape.slice(0, -2), batch);
    const av = valuesOf(a!);
    const bv = valuesOf(b!);
    const result = new Float64Array(out.shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < aBatch.length; i++) {
      const ao = aBatch[i]! * n * k;
      const bo = bBatch[i]! * k * m;
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < m; c++) {
          let s = 0;
          for (let j = 0; j < k; j++) s += av[ao + r * k + j]! * bv[bo + j * m + c]!;
          result[i * n * m + r * m + c] = s;
        }
      }
    }
    return tensorOf(out.dtype, out.shape, result);
  },
});

/**
 * The adjoint of a matrix `b` shared by every batch entry of `a` (x·W with x [batch, …, k]):
 * the batch folds into the rows, aᵀ ct as one [k, N]·[N, m] product. The generic rule
 * would materialise one k×m product per batch entry and then sum them: batch times the
 * weight's size in memory and traffic. undefined when `b` is batched or dims are symbolic.
 */
function sharedMatrixAdjoint(a: Tensor, b: Tensor, ct: Tensor): Tensor | undefined {
  if (a.rank <= 2 || b.shape.slice(0, -2).some((d) => d !== 1)) return undefined;
  const [k, m] = b.shape.slice(-2);
  if (typeof k !== 'number' || typeof m !== 'number') return undefined;
  const product = matmul(matrixTranspose(reshape(a, [-1, k])), reshape(ct, [-1, m]));
  return b.rank === 2 ? product : reshape(product, b.shape);
}

/** Matrix product over the last two axes, broadcasting leading (batch) axes as numpy does. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return apply(matmulOp, [a, b], {});
}
