import { type Dim, type Shape, dimFactors, formatShape, productDim, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { tensorOf, valuesOf } from '../reference/kernels.js';
import { apply, defineOp } from './op-def.js';

export interface ReshapeParams {
  readonly shape: Shape;
}

/** Concrete product and the sorted symbols of a shape, looking inside product dims ('batch*64'). */
function split(shape: Shape): { size: number; symbols: string[] } {
  const { size, symbols } = dimFactors(productDim(shape));
  return { size, symbols };
}

// reshape is linear: d reshape(x) = reshape(dx); the adjoint reshapes back
export const reshapeOp = defineOp<ReshapeParams>({
  name: 'reshape',
  arity: 1,
  infer: ([x], { shape }) => {
    const [from, to] = [split(x!.shape), split(shape)];
    if (from.size !== to.size || from.symbols.join() !== to.symbols.join()) {
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
 * Reshapes to `shape`. Symbolic dims must all be accounted for, alone or in products
 * ('batch*64' merges a batch axis with a 64 one); one -1 is inferred from the rest.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const holes = shape.filter((d) => d === -1).length;
  let target: Dim[] = [...shape];
  if (holes > 1) throw new RangeError(`reshape of ${x}: at most one -1 in ${formatShape(shape)}`);
  if (holes === 1) {
    const known = split(shape.filter((d) => d !== -1));
    const all = split(x.shape);
    const symbols = [...all.symbols];
    const missing = known.symbols.filter((s) => {
      const i = symbols.indexOf(s);
      return i < 0 || (symbols.splice(i, 1), false);
    });
    if (known.size === 0 || all.size % known.size !== 0 || missing.length > 0) {
      throw new RangeError(`reshape of ${x}: cannot infer -1 in ${formatShape(shape)}`);
    }
    const inferred = productDim([all.size / known.size, ...symbols]);
    target = shape.map((d) => (d === -1 ? inferred : d));
  }
  return shapesEqual(x.shape, target) ? x : apply(reshapeOp, [x], { shape: target });
}
