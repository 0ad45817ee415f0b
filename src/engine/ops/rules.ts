import type { DType } from '../ir/dtype.js';
import { isFloat } from '../ir/dtype.js';
import type { HostTensor } from '../ir/host-tensor.js';
import { type Shape, broadcastShapes, formatShape, normalizeAxis, shapesEqual } from '../ir/shape.js';
import { type Tensor, constant } from '../ir/tensor.js';
import { mapValues, zipValues } from '../reference/kernels.js';
// op-def before the ops: they register themselves while this module is still loading
// (they import it back), and the registry must exist by then whichever op is imported first.
import { type OpDef, type TensorType, apply, defineOp } from './op-def.js';
import { add } from './add.js';
import { broadcastTo } from './broadcast-to.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';

/**
 * Shared shape rules, derivative helpers and combinators, so that most op files are a
 * few lines (the JAX `deflinear`/`defjvp` idea).
 */

/** Ops without parameters. */
export type NoParams = Readonly<Record<never, never>>;
/** A tensor, or a number meaning a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;

export function lift(x: TensorLike, like: Tensor): Tensor {
  return typeof x === 'number' ? constant(x, like.dtype) : x;
}

/** Two operands with numbers lifted to the other's dtype (float32 when both are numbers). */
export function operands(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [constant(a), constant(b)];
  if (typeof a === 'number') return [lift(a, b as Tensor), b as Tensor];
  return [a, lift(b, a)];
}

// ---- shape and dtype rules -------------------------------------------------

export function requireFloat(t: TensorType, what = 'input'): void {
  if (!isFloat(t.dtype)) throw new TypeError(`${what} must be float32 or float64, got ${t.dtype}`);
}

export function requireSameDtype(inputs: readonly TensorType[]): DType {
  const dtype = inputs[0]!.dtype;
  for (const t of inputs) if (t.dtype !== dtype) throw new TypeError(`dtypes differ: ${inputs.map((i) => i.dtype).join(' vs ')}`);
  return dtype;
}

export function broadcastAll(inputs: readonly TensorType[]): Shape {
  let shape: Shape = [];
  for (const t of inputs) {
    const next = broadcastShapes(shape, t.shape);
    if (next === undefined) throw new RangeError(`shapes ${inputs.map((i) => formatShape(i.shape)).join(' and ')} do not broadcast`);
    shape = next;
  }
  return shape;
}

/** Same-dtype numeric inputs, numpy-broadcast output. */
export function elementwiseType(inputs: readonly TensorType[]): TensorType {
  const dtype = requireSameDtype(inputs);
  if (dtype === 'bool') throw new TypeError('arithmetic on bool tensors is not supported; cast first');
  return { dtype, shape: broadcastAll(inputs) };
}

export function floatType(inputs: readonly TensorType[]): TensorType {
  const t = elementwiseType(inputs);
  requireFloat(t);
  return t;
}

/** Ops that work along one axis (negative counts from the end). */
export interface AxisParams {
  readonly axis: number;
}

/** A float input, kept as is, with an axis in range. */
export function floatAlongAxis([x]: readonly TensorType[], { axis }: AxisParams): TensorType {
  requireFloat(x!);
  normalizeAxis(axis, x!.shape.length);
  return x!;
}

// ---- derivative helpers ------------------------------------------------------

/** Sum of the non-zero terms; null when all are zero. */
export function addAll(...terms: readonly (Tensor | null)[]): Tensor | null {
  let total: Tensor | null = null;
  for (const t of terms) if (t !== null) total = total === null ? t : add(total, t);
  return total;
}

/** Sums a broadcast result back to `shape`: the adjoint of broadcasting. */
export function sumToShape(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const lead = t.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < t.rank; i++) if (i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)) axes.push(i);
  const reduced = axes.length > 0 ? sum(t, axes, true) : t;
  return shapesEqual(reduced.shape, shape) ? reduced : reshape(reduced, shape);
}

/** `t` broadcast to `shape` (a no-op when it already has it). */
export function expandTo(t: Tensor, shape: Shape): Tensor {
  return shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
}

export function zerosLike(t: TensorType): Tensor {
  return broadcastTo(constant(0, t.dtype), t.shape);
}

// ---- combinators -------------------------------------------------------------

/** An elementwise unary float op: y = f(x), dy = f'(x, y) · dx. */
export function unaryElementwise(spec: {
  name: string;
  onnx: string;
  f: (x: number) => number;
  /** f'(x) as a graph, given x and y = f(x). */
  derivative: (x: Tensor, y: Tensor) => Tensor;
}): OpDef<NoParams> {
  return defineOp<NoParams>({
    name: spec.name,
    arity: 1,
    infer: floatType,
    jvp: ([x], [dx], _p, y) => mul(dx!, spec.derivative(x!, y)),
    vjp: (ct, [x], _p, y) => [mul(ct, spec.derivative(x!, y))],
    lower: (ctx, [x]) => ctx.emit(spec.onnx, [x!]),
    evaluate: ([x], _p, out) => mapValues(x!, out.dtype, spec.f),
  });
}

/** An elementwise binary op with numpy broadcasting, lowered to one ONNX node. */
export function binaryElementwise(spec: {
  name: string;
  onnx: string;
  f: (a: number, b: number) => number;
  jvp: OpDef<NoParams>['jvp'];
  vjp: OpDef<NoParams>['vjp'];
  infer?: OpDef<NoParams>['infer'];
}): OpDef<NoParams> {
  return defineOp<NoParams>({
    name: spec.name,
    arity: 2,
    infer: spec.infer ?? elementwiseType,
    jvp: spec.jvp,
    vjp: spec.vjp,
    lower: (ctx, [a, b]) => ctx.emit(spec.onnx, [a!, b!]),
    evaluate: (inputs: readonly HostTensor[], _p, out) => zipValues(inputs, out, spec.f),
  });
}

/** Applies a no-parameter op to operands given as tensors or numbers. */
export function applyBinary(def: OpDef<NoParams>, a: TensorLike, b: TensorLike): Tensor {
  return apply(def, operands(a, b), {});
}

/** An elementwise comparison: bool output, no derivative. */
export function comparison(spec: { name: string; onnx: string; f: (a: number, b: number) => boolean }): OpDef<NoParams> {
  return defineOp<NoParams>({
    name: spec.name,
    arity: 2,
    infer: (inputs) => ({ dtype: 'bool', shape: elementwiseType(inputs).shape }),
    jvp: () => null,
    vjp: () => [null, null],
    lower: (ctx, [a, b]) => ctx.emit(spec.onnx, [a!, b!]),
    evaluate: (inputs, _p, out) => zipValues(inputs, out, (a, b) => (spec.f(a, b) ? 1 : 0)),
  });
}
