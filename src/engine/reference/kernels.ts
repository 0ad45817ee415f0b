import { type DType, allocate } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';

/**
 * Building blocks for the reference evaluations: plain loops over row-major data,
 * written for clarity. Values are handled as JS numbers (int64 via Number).
 */

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** The tensor's elements as numbers. */
export function valuesOf(t: HostTensor): ArrayLike<number> {
  return t.data instanceof BigInt64Array ? Float64Array.from(t.data, Number) : t.data;
}

/** A tensor of `dtype` holding `values` (rounded to the dtype's precision). */
export function tensorOf(dtype: DType, shape: readonly number[], values: ArrayLike<number>): HostTensor {
  const data = allocate(dtype, values.length);
  if (data instanceof BigInt64Array) for (let i = 0; i < values.length; i++) data[i] = BigInt(Math.trunc(values[i]!));
  else data.set(values);
  return new HostTensor(dtype, shape, data);
}

export function mapValues(x: HostTensor, dtype: DType, f: (v: number, i: number) => number): HostTensor {
  const v = valuesOf(x);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]!, i);
  return tensorOf(dtype, x.shape, out);
}

/** Element offsets of `shape` (right-aligned) for every index of `outShape`, with size-1 dims broadcast. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const size = outShape.reduce((a, b) => a * b, 1);
  const strides = stridesOf(shape);
  const rank = outShape.length;
  const pad = rank - shape.length;
  const index = new Int32Array(size);
  const coord = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let offset = 0;
    for (let d = pad; d < rank; d++) if (shape[d - pad] !== 1) offset += coord[d]! * strides[d - pad]!;
    index[flat] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return index;
}

export function broadcastValues(x: HostTensor, outShape: readonly number[]): Float64Array {
  const v = valuesOf(x);
  return Float64Array.from(broadcastIndex(x.shape, outShape), (i) => v[i]!);
}

export function zipValues(
  inputs: readonly HostTensor[],
  out: { dtype: DType; shape: readonly number[] },
  f: (...v: number[]) => number,
): HostTensor {
  const vs = inputs.map((t) => broadcastValues(t, out.shape));
  const size = out.shape.reduce((a, b) => a * b, 1);
  const result = new Float64Array(size);
  for (let i = 0; i < size; i++) result[i] = f(...vs.map((v) => v[i]!));
  return tensorOf(out.dtype, out.shape, result);
}

/** Folds `x` over the sorted `axes` with `step`, starting from `init`; keeps reduced dims as size 1. */
export function reduceValues(
  x: HostTensor,
  axes: readonly number[],
  init: number,
  step: (acc: number, v: number) => number,
): { shape: number[]; values: Float64Array } {
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(shape);
  const inStrides = stridesOf(x.shape);
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(init);
  const v = valuesOf(x);
  for (let flat = 0; flat < v.length; flat++) {
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) {
      if (shape[d] !== 1) o += Math.floor(flat / inStrides[d]!) % x.shape[d]! * outStrides[d]!;
    }
    values[o] = step(values[o]!, v[flat]!);
  }
  return { shape, values };
}

/** Transposes `x` so that output axis i is input axis perm[i]. */
export function permuteValues(x: HostTensor, perm: readonly number[]): Float64Array {
  const inStrides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]!);
  const v = valuesOf(x);
  const out = new Float64Array(v.length);
  const outStrides = stridesOf(outShape);
  for (let flat = 0; flat < v.length; flat++) {
    let o = 0;
    for (let d = 0; d < perm.length; d++) o += (Math.floor(flat / outStrides[d]!) % outShape[d]!) * inStrides[perm[d]!]!;
    out[flat] = v[o]!;
  }
  return out;
}

/**
 * `x`'s values with `f` applied in place to every lane: the elements that share all
 * indices outside axes [start, end), in row-major order over those axes.
 */
export function mapLanes(x: HostTensor, start: number, end: number, f: (lane: Float64Array) => void): Float64Array {
  const v = valuesOf(x);
  const n = x.shape.slice(start, end).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(end).reduce((a, b) => a * b, 1);
  const out = new Float64Array(v.length);
  const lane = new Float64Array(n);
  for (let base = 0; base < v.length; base += n * inner) {
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) lane[k] = v[base + i + k * inner]!;
      f(lane);
      for (let k = 0; k < n; k++) out[base + i + k * inner] = lane[k]!;
    }
  }
  return out;
}

/** log softmax along `axis` (negative counts from the end), shifted by each lane's maximum so that nothing overflows. */
export function logSoftmaxValues(x: HostTensor, axis: number): Float64Array {
  const a = axis < 0 ? axis + x.shape.length : axis;
  return mapLanes(x, a, a + 1, (lane) => {
    const m = lane.reduce((p, v) => Math.max(p, v), -Infinity);
    const lse = m + Math.log(lane.reduce((p, v) => p + Math.exp(v - m), 0));
    lane.forEach((v, k) => (lane[k] = v - lse));
  });
}

/**
 * The error function (JS has none): erf(x) = 2/√π e^{-x²} Σₙ 2ⁿ x^{2n+1} / (2n+1)!!,
 * a series of same-sign terms, so accurate to float64 rounding; |erf(x)| rounds to 1 beyond |x| = 6.
 */
export function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let total = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    total += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * total;
}
