import { type Dim, type Shape, formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';

export interface ReshapeParams {
  readonly shape: Shape;
}

/** Concrete product and the sorted list of symbols of a shape. */
function split(shape: Shape): { size: number; symbols: string } {
  const symbols = shape.filter((d): d is string => typeof d === 'string').sort();
  const size = shape.reduce<number>((a, d) => (typeof d === 'number' ? a * d : a), 1);
  return { size, symbols: symbols.join(',') };
}

// reshape is linear: d reshape(x) = reshape(dx); the adjoint reshapes back
export const reshapeOp = defineOp<ReshapeParams>({
  name: 'reshape',
  arity: 1,
  infer: ([x], { shape }) => {
    const [from, to] = [split(x!.shape), split(shape)];
    if (from.size !== to.size || from.symbols !== to.symbols) {
      throw new RangeError(`cannot reshape ${formatShape(x!.shape)} to ${formatShape(shape)}: element counts differ`);
    }
    return { dtype: x!.dtype, shape };
  },
  jvp: (_x, [dx], { shape }) => reshape(dx!, shape),
  vjp: (ct, [x]) => [reshape(ct, x!.shape)],
  lower: (ctx, [x], { shape }, node) => ctx.emit('Reshape', [x!, ctx.reshapeShape(node.inputs[0]!.shape, shape)]),
  evaluate: ([x], _p, out) => tensorOf(out.dtype, out.shape, valuesOf(x!)),
});

/**
 * Reshapes to `shape`. Symbolic dims must be carried over unchanged; one -1 is
 * inferred from the remaining concrete sizes.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const holes = shape.filter((d) => d === -1).length;
  let target: Dim[] = [...shape];
  if (holes > 1) throw new RangeError(`reshape of ${x}: at most one -1 in ${formatShape(shape)}`);
  if (holes === 1) {
    const known = split(shape.filter((d) => d !== -1));
    const size = split(x.shape).size;
    if (known.size === 0 || size % known.size !== 0) throw new RangeError(`reshape of ${x}: cannot infer -1 in ${formatShape(shape)}`);
    target = shape.map((d) => (d === -1 ? size / known.size : d));
  }
  return shapesEqual(x.shape, target) ? x : apply(reshapeOp, [x], { shape: target });
}
