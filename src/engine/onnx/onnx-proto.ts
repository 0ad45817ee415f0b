/**
 * The ONNX schema for reading and rewriting model files: the onnx-proto package (the
 * official onnx.proto compiled by protobufjs). The only module that imports it; the
 * lowering writes its own few messages (proto.ts) so that browser builds need no
 * protobuf library.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** A protobuf int64 (a number, or a Long for values past 2^53) as a number. */
export function toInt(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
