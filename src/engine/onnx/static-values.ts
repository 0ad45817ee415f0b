import type { DType } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';
import { type Dim, broadcastShapes, dimFactors, formatShape, productDim } from '../ir/shape.js';
import { type Tensor, constant } from '../ir/tensor.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { interpret } from '../reference/interpret.js';

/**
 * Integer and boolean values an imported graph computes from shapes (Shape → Gather →
 * Concat → Reshape, the arithmetic exporters emit around every view), folded at import.
 * Entries are dims: numbers, or symbols such as 'batch' and products such as 'batch*4',
 * so a shape that depends on the batch size stays exact for every batch size.
 */
export class StaticValue {
  constructor(
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly values: readonly Dim[],
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new RangeError(`internal: ${values.length} static values for shape ${formatShape(shape)}`);
  }

  static of(host: HostTensor): StaticValue {
    return new StaticValue(host.dtype, host.shape, Array.from(host.data as ArrayLike<number | bigint>, Number));
  }

  /** The value as host data; throws naming `what` when an entry depends on the batch size. */
  toHost(what: string): HostTensor {
    const symbolic = this.values.find((v) => typeof v === 'string');
    if (symbolic !== undefined) throw new RangeError(`${what} depends on the batch size ('${symbolic}') where a fixed value is needed`);
    const numbers = this.values as number[];
    switch (this.dtype) {
      case 'int64':
        return new HostTensor('int64', this.shape, BigInt64Array.from(numbers, BigInt));
      case 'bool':
        return new HostTensor('bool', this.shape, Uint8Array.from(numbers));
      case 'float64':
        return new HostTensor('float64', this.shape, Float64Array.from(numbers));
      default:
        return new HostTensor('float32', this.shape, Float32Array.from(numbers));
    }
  }

  /** Entries as numbers (axes, pads, starts): throws naming `what` when one is symbolic. */
  numbers(what: string): number[] {
    return Array.from(this.toHost(what).data as ArrayLike<number | bigint>, Number);
  }
}

/**
 * Applies a data-movement op (gather, slice, concat, reshape, transpose, broadcast) to
 * static values by running it, with forwardprop's own rules, on the values' element
 * indices and mapping the moved indices back. `build` receives one constant per value.
 */
export function moveStatic(values: readonly StaticValue[], build: (tensors: Tensor[]) => Tensor): StaticValue {
  const all: Dim[] = [];
  const tensors = values.map((v) => {
    const indices = Float64Array.from(v.values, (_, i) => all.length + i);
    all.push(...v.values);
    return constant(new HostTensor('float64', v.shape, indices));
  });
  const [moved] = interpret({ inputs: [], outputs: [build(tensors)] }, {});
  return new StaticValue(values[0]!.dtype, moved!.shape, Array.from(moved!.data as Float64Array, (i) => all[i]!));
}

/** Elementwise over broadcast static values (numpy rules); `f` sees one entry of each. */
export function mapStatic(values: readonly StaticValue[], dtype: DType, f: (...entries: Dim[]) => Dim): StaticValue {
  let shape: readonly number[] = [];
  for (const v of values) {
    const next = broadcastShapes(shape, v.shape);
    if (next === undefined) throw new RangeError(`shapes ${values.map((s) => formatShape(s.shape)).join(' and ')} do not broadcast`);
    shape = next as number[];
  }
  const spread = values.map((v) => moveStatic([v], ([t]) => broadcastTo(t!, shape)).values);
  const size = shape.reduce((a, b) => a * b, 1);
  return new StaticValue(dtype, shape, Array.from({ length: size }, (_, i) => f(...spread.map((s) => s[i]!))));
}

function unfoldable(op: string, a: Dim, b: Dim): never {
  throw new RangeError(`${op}(${a}, ${b}) depends on the batch size in a way the importer cannot fold (only products and exact quotients of symbolic sizes are)`);
}

/** Sizes are positive: a symbolic size is unequal to any number below 1. */
function compare(op: string, a: Dim, b: Dim, f: (x: number, y: number) => boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b) ? 1 : 0;
  return unfoldable(op, a, b);
}

/** a / b for sizes, when b divides a (symbol by symbol too). */
function divide(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw new RangeError('integer division by zero in shape arithmetic');
    return Math.trunc(a / b);
  }
  const [fa, fb] = [dimFactors(a), dimFactors(b)];
  const rest = [...fa.symbols];
  for (const s of fb.symbols) {
    const i = rest.indexOf(s);
    if (i < 0) return unfoldable('Div', a, b);
    rest.splice(i, 1);
  }
  if (fb.size === 0 || fa.size % fb.size !== 0) return unfoldable('Div', a, b);
  return productDim([fa.size / fb.size, ...rest]);
}

/** Integer arithmetic and comparisons on sizes, by ONNX op type (undefined: not a static op). */
export const STATIC_BINARY: Readonly<Record<string, { dtype?: DType; f: (a: Dim, b: Dim) => Dim }>> = {
  Add: { f: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a + b : a === 0 ? b : b === 0 ? a : unfoldable('Add', a, b)) },
  Sub: { f: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : b === 0 ? a : a === b ? 0 : unfoldable('Sub', a, b)) },
  Mul: { f: (a, b) => (a === 0 || b === 0 ? 0 : (typeof a === 'number' && a < 0) || (typeof b === 'number' && b < 0) ? (typeof a === 'number' && typeof b === 'number' ? a * b : unfoldable('Mul', a, b)) : productDim([a, b])) },
  Div: { f: divide },
  Equal: { dtype: 'bool', f: (a, b) => (typeof a === typeof b ? (a === b ? 1 : 0) : typeof a === 'number' ? (a < 1 ? 0 : unfoldable('Equal', a, b)) : (b as number) < 1 ? 0 : unfoldable('Equal', a, b)) },
  Less: { dtype: 'bool', f: (a, b) => compare('Less', a, b, (x, y) => x < y) },
  Greater: { dtype: 'bool', f: (a, b) => compare('Greater', a, b, (x, y) => x > y) },
  Max: { f: (a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.max(a, b) : a === b ? a : unfoldable('Max', a, b)) },
  Min: { f: (a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.min(a, b) : a === b ? a : unfoldable('Min', a, b)) },
  And: { dtype: 'bool', f: (a, b) => compare('And', a, b, (x, y) => x !== 0 && y !== 0) },
  Or: { dtype: 'bool', f: (a, b) => compare('Or', a, b, (x, y) => x !== 0 || y !== 0) },
};
