import { type DType, type HostArrays, type HostData, allocate, dtypeOfData } from './dtype.js';
import { formatShape } from './shape.js';

/** Concrete tensor data on the host: a typed array viewed with a shape. */
export class HostTensor<D extends DType = DType> {
  constructor(
    readonly dtype: D,
    readonly shape: readonly number[],
    readonly data: HostArrays[D],
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new RangeError(`data of length ${data.length} does not fill shape ${formatShape(shape)} (${size} elements)`);
    }
  }

  static zeros<D extends DType>(dtype: D, shape: readonly number[]): HostTensor<D> {
    return new HostTensor(dtype, shape, allocate(dtype, shape.reduce((a, b) => a * b, 1)));
  }

  static from(data: HostData, shape: readonly number[]): HostTensor {
    return new HostTensor(dtypeOfData(data), shape, data);
  }

  get size(): number {
    return this.data.length;
  }
}
