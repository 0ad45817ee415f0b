import type { DType } from '../ir/dtype.js';
import { OnnxDataType } from './proto.js';

export const ONNX_DTYPE: Readonly<Record<DType, OnnxDataType>> = {
  float32: OnnxDataType.FLOAT,
  float64: OnnxDataType.DOUBLE,
  int64: OnnxDataType.INT64,
  bool: OnnxDataType.BOOL,
};
