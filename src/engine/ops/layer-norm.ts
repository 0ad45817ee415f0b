import { formatShape, isConcrete, normalizeAxis, shapesEqual, sizeOf } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { float, int } from '../onnx/lower-context.js';
import { mapLanes, tensorOf, valuesOf } from '../reference/kernels.js';
import { add } from './add.js';
import { div } from './div.js';
import { mean } from './mean.js';
import { mul } from './mul.js';
import { apply, defineOp } from './op-def.js';
import { addAll, expandTo, requireFloat, sumToShape } from './rules.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';

export interface LayerNormParams {
  /** Normalises over axes from `axis` to the last (negative counts from the end). */
  readonly axis: number;
  readonly epsilon: number;
}

/** The normalised axes of `x`. */
const normAxes = (x: Tensor, axis: number) => x.shape.map((_, i) => i).slice(normalizeAxis(axis, x.rank));

/** x̂ = (x - μ) r with r = 1/√(σ² + ε), from primitives. */
function standardise(x: Tensor, axes: readonly number[], epsilon: number): { xhat: Tensor; r: Tensor } {
  const centred = sub(x, mean(x, axes, true));
  const r = div(1, sqrt(add(mean(mul(centred, centred), axes, true), epsilon)));
  return { xhat: mul(centred, r), r };
}

/** The Jacobian of x ↦ x̂ applied to v: r (v - mean(v) - x̂ mean(x̂ v)); it is symmetric, so both modes use it. */
function jacobian(v: Tensor, xhat: Tensor, r: Tensor, axes: readonly number[]): Tensor {
  return mul(sub(sub(v, mean(v, axes, true)), mul(xhat, mean(mul(xhat, v), axes, true))), r);
}

// y = x̂ s + b;  dy = J dx s + x̂ ds + db;  adjoints: Jᵀ(ct s), Σ ct x̂, Σ ct
export const layerNormOp = defineOp<LayerNormParams>({
  name: 'layerNorm',
  arity: { min: 1, max: 3 },
  infer: ([x, ...affine], { axis }) => {
    requireFloat(x!);
    const normalised = x!.shape.slice(normalizeAxis(axis, x!.shape.length));
    if (!isConcrete(normalised)) throw new RangeError(`normalised dims ${formatShape(normalised)} must be concrete`);
    for (const t of affine) {
      if (t.dtype !== x!.dtype || !shapesEqual(t.shape, normalised)) {
        throw new TypeError(`scale and bias must be ${x!.dtype}${formatShape(normalised)} like the normalised dims, got ${t.dtype}${formatShape(t.shape)}`);
      }
    }
    return x!;
  },
  jvp: ([x, scale], [dx, ds = null, db = null], { axis, epsilon }) => {
    const axes = normAxes(x!, axis);
    const { xhat, r } = standardise(x!, axes, epsilon);
    const dxhat = dx && jacobian(dx, xhat, r, axes);
    return addAll(dxhat && (scale ? mul(dxhat, scale) : dxhat), ds && mul(xhat, ds), db && expandTo(db, x!.shape));
  },
  vjp: (ct, [x, scale, bias], { axis, epsilon }) => {
    const axes = normAxes(x!, axis);
    const { xhat, r } = standardise(x!, axes, epsilon);
    return [
      jacobian(scale ? mul(ct, scale) : ct, xhat, r, axes),
      scale ? sumToShape(mul(ct, xhat), scale.shape) : null,
      bias ? sumToShape(ct, bias.shape) : null,
    ];
  },
  // ONNX needs a Scale input: ones when there is no affine transform.
  lower: (ctx, [x, scale, bias], { axis, epsilon }, node) => {
    const normalised = node.shape.slice(normalizeAxis(axis, node.rank)) as number[];
    const s = scale ?? ctx.constant(tensorOf(node.dtype, normalised, new Float64Array(sizeOf(normalised)!).fill(1)));
    return ctx.emit('LayerNormalization', [x!, s, ...(bias ? [bias] : [])], { axis: int(axis), epsilon: float(epsilon) });
  },
  evaluate: ([x, scale, bias], { axis, epsilon }, out) => {
    const [s, b] = [scale && valuesOf(scale), bias && valuesOf(bias)];
    const values = mapLanes(x!, normalizeAxis(axis, x!.shape.length), x!.shape.length, (lane) => {
      const mu = lane.reduce((p, v) => p + v, 0) / lane.length;
      const r = 1 / Math.sqrt(lane.reduce((p, v) => p + (v - mu) ** 2, 0) / lane.length + epsilon);
      lane.forEach((v, k) => (lane[k] = (v - mu) * r * (s?.[k] ?? 1) + (b?.[k] ?? 0)));
    });
    return tensorOf(out.dtype, out.shape, values);
  },
});

export interface LayerNormOptions {
  /** First normalised axis; all later axes are normalised too (default -1, the last). */
  readonly axis?: number;
  readonly epsilon?: number;
}

/**
 * Layer normalisation over axes [axis, rank), optionally followed by an affine map with
 * `scale` (and then `bias`) shaped like the normalised dims, which must be concrete.
 */
export function layerNorm(x: Tensor, scale?: Tensor, bias?: Tensor, { axis = -1, epsilon = 1e-5 }: LayerNormOptions = {}): Tensor {
  if (bias !== undefined && scale === undefined) throw new TypeError('layerNorm: a bias needs a scale');
  const affine = [scale, bias].filter((t): t is Tensor => t !== undefined);
  return apply(layerNormOp, [x, ...affine], { axis, epsilon });
}
