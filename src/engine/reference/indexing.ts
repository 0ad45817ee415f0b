import type { HostTensor } from '../ir/host-tensor.js';
import { stridesOf, valuesOf } from './kernels.js';

/**
 * Reference building blocks for data movement: an op computes, for every element of
 * the smaller side, its offset in the larger side; copying is then a gather (read
 * through the offsets) and its adjoint a scatter-add (accumulate through them).
 */

/** out[i] = x[offsets[i]]. */
export function gatherValues(x: HostTensor, offsets: ArrayLike<number>): Float64Array {
  const v = valuesOf(x);
  return Float64Array.from(offsets, (o) => v[o]!);
}

/** target[offsets[i]] += x[i]; returns `target`. */
export function scatterAddValues(target: Float64Array, x: HostTensor, offsets: ArrayLike<number>): Float64Array {
  const v = valuesOf(x);
  for (let i = 0; i < v.length; i++) target[offsets[i]!]! += v[i]!;
  return target;
}

/** Offsets in a tensor of shape `outer` of the elements of a `shape` block whose corner is at `start`. */
export function blockOffsets(shape: readonly number[], outer: readonly number[], start: readonly number[]): Int32Array {
  const strides = stridesOf(outer);
  const size = shape.reduce((a, b) => a * b, 1);
  const offsets = new Int32Array(size);
  const coord = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    offsets[flat] = coord.reduce((o, c, d) => o + (c + start[d]!) * strides[d]!, 0);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coord[d]! < shape[d]!) break;
      coord[d] = 0;
    }
  }
  return offsets;
}

/**
 * Offsets in a tensor of `shape` of the elements picked by `indices` along `axis`, in
 * the order of ONNX Gather's output: shape[:axis] + indices.shape + shape[axis+1:].
 * Negative indices count from the end.
 */
export function takeOffsets(shape: readonly number[], axis: number, indices: HostTensor): Int32Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = shape[axis]!;
  const picks = Array.from(valuesOf(indices), (i) => {
    if (!Number.isInteger(i) || i < -size || i >= size) throw new RangeError(`index ${i} is out of range for an axis of size ${size}`);
    return i < 0 ? i + size : i;
  });
  const offsets = new Int32Array(outer * picks.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) for (const p of picks) for (let i = 0; i < inner; i++) offsets[k++] = (o * size + p) * inner + i;
  return offsets;
}
