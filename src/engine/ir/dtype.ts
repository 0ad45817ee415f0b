/** Element types a forwardprop tensor can hold. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];

/** Host storage for each dtype; int64 uses BigInt64Array because onnxruntime requires it. */
export interface HostArrays {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

export type HostData = HostArrays[DType];
export type FloatData = Float32Array | Float64Array;

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocate<D extends DType>(dtype: D, size: number): HostArrays[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as HostArrays[D];
    case 'float64':
      return new Float64Array(size) as HostArrays[D];
    case 'int64':
      return new BigInt64Array(size) as HostArrays[D];
    default:
      return new Uint8Array(size) as HostArrays[D];
  }
}

/** The dtype whose host storage is `data`, for inputs that arrive as bare typed arrays. */
export function dtypeOfData(data: HostData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  return 'bool';
}
