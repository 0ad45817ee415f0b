import type { DType } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';
import { type Dim, formatShape } from '../ir/shape.js';
import { type OnnxTypes, onnx, toInt } from './onnx-proto.js';

/** Default-domain opsets the importer maps (PyTorch 1.8 to 2.x exporters emit these). */
export const IMPORT_OPSETS = { min: 11, max: 20 } as const;

/** The batch axis of an imported model's input, whatever the file calls it. */
export const BATCH = 'batch';

/** One node of an imported graph, with its attributes by name. */
export interface OnnxNode {
  /** The node's name in the file, or `<opType>_<index>` when it has none. */
  readonly name: string;
  readonly opType: string;
  /** '' (or 'ai.onnx') for the standard operator set. */
  readonly domain: string;
  /** Value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxTypes.IAttributeProto>;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly dtype: DType;
  /** Dims of the value; the first dim of the data input is always the symbol 'batch'. */
  readonly shape: readonly Dim[];
}

/** A decoded ONNX model: what the importer, `inspect` and the black-box runner read. */
export interface OnnxGraph {
  /** Where the model came from (a file path), for messages. */
  readonly source: string;
  /** The decoded file with external data inlined, for rewriting (black-box mode, export). */
  readonly model: OnnxTypes.ModelProto;
  readonly irVersion: number;
  /** The default-domain opset. */
  readonly opset: number;
  readonly producer: string;
  /** The one data input (graph inputs that are initializers are not data). */
  readonly input: OnnxValueInfo;
  readonly outputs: readonly OnnxValueInfo[];
  /** Every initializer by name, in file order. */
  readonly initializers: ReadonlyMap<string, HostTensor>;
  readonly nodes: readonly OnnxNode[];
}

export interface ReadOptions {
  /** Name of the model in messages (default 'model.onnx'). */
  readonly source?: string;
  /** The bytes of an external-data file, by the location the model names (relative to the model). */
  readonly externalData?: (location: string) => Uint8Array;
}

const DTYPES: ReadonlyMap<number, DType> = new Map([
  [onnx.TensorProto.DataType.FLOAT, 'float32'],
  [onnx.TensorProto.DataType.DOUBLE, 'float64'],
  [onnx.TensorProto.DataType.INT64, 'int64'],
  [onnx.TensorProto.DataType.INT32, 'int64'],
  [onnx.TensorProto.DataType.INT16, 'int64'],
  [onnx.TensorProto.DataType.INT8, 'int64'],
  [onnx.TensorProto.DataType.UINT8, 'int64'],
  [onnx.TensorProto.DataType.BOOL, 'bool'],
]);

/** Bytes per element of the raw encodings this reader accepts. */
const RAW_WIDTH: ReadonlyMap<number, number> = new Map([
  [onnx.TensorProto.DataType.FLOAT, 4],
  [onnx.TensorProto.DataType.DOUBLE, 8],
  [onnx.TensorProto.DataType.INT64, 8],
  [onnx.TensorProto.DataType.INT32, 4],
  [onnx.TensorProto.DataType.INT16, 2],
  [onnx.TensorProto.DataType.INT8, 1],
  [onnx.TensorProto.DataType.UINT8, 1],
  [onnx.TensorProto.DataType.BOOL, 1],
]);

function dataTypeName(code: number): string {
  return onnx.TensorProto.DataType[code] ?? `data type ${code}`;
}

/** The forwardprop dtype of an ONNX element type; `what` names the tensor in the error. */
export function dtypeOf(code: number, what: string): DType {
  const dtype = DTYPES.get(code);
  if (dtype === undefined) throw new TypeError(`${what} has element type ${dataTypeName(code)}; supported: FLOAT, DOUBLE, INT64, INT32, INT16, INT8, UINT8, BOOL`);
  return dtype;
}

/** Little-endian raw bytes as the elements of an ONNX element type (widened to our dtypes). */
function fromRaw(code: number, raw: Uint8Array, size: number, what: string): HostTensor['data'] {
  const width = RAW_WIDTH.get(code)!;
  if (raw.byteLength !== size * width) throw new RangeError(`${what}: ${raw.byteLength} bytes of data for ${size} elements of ${dataTypeName(code)}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (code) {
    case onnx.TensorProto.DataType.FLOAT:
      return Float32Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true));
    case onnx.TensorProto.DataType.DOUBLE:
      return Float64Array.from({ length: size }, (_, i) => view.getFloat64(8 * i, true));
    case onnx.TensorProto.DataType.INT64:
      return BigInt64Array.from({ length: size }, (_, i) => view.getBigInt64(8 * i, true));
    case onnx.TensorProto.DataType.INT32:
      return BigInt64Array.from({ length: size }, (_, i) => BigInt(view.getInt32(4 * i, true)));
    case onnx.TensorProto.DataType.INT16:
      return BigInt64Array.from({ length: size }, (_, i) => BigInt(view.getInt16(2 * i, true)));
    case onnx.TensorProto.DataType.INT8:
      return BigInt64Array.from({ length: size }, (_, i) => BigInt(view.getInt8(i)));
    case onnx.TensorProto.DataType.UINT8:
      return BigInt64Array.from({ length: size }, (_, i) => BigInt(view.getUint8(i)));
    default:
      return Uint8Array.from(raw, (b) => (b === 0 ? 0 : 1));
  }
}

/** Elements stored in the typed repeated fields (float_data, int32_data, …). */
function fromFields(t: OnnxTypes.ITensorProto, dtype: DType, size: number, what: string): HostTensor['data'] {
  const code = t.dataType ?? 0;
  const values: readonly (number | { toNumber(): number })[] =
    code === onnx.TensorProto.DataType.FLOAT ? (t.floatData ?? []) : code === onnx.TensorProto.DataType.DOUBLE ? (t.doubleData ?? []) : code === onnx.TensorProto.DataType.INT64 ? (t.int64Data ?? []) : (t.int32Data ?? []);
  if (values.length !== size) throw new RangeError(`${what}: ${values.length} stored elements for shape of ${size}`);
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as number[]);
    case 'float64':
      return Float64Array.from(values as number[]);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(toInt(v)));
    default:
      return Uint8Array.from(values as number[], (v) => (v === 0 ? 0 : 1));
  }
}

/** The bytes of an external tensor: its `location` file, from `offset` for `length` bytes. */
function externalBytes(t: OnnxTypes.ITensorProto, what: string, options: ReadOptions): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new Error(`${what} is stored externally but names no location`);
  if (options.externalData === undefined) throw new Error(`${what} is stored in the external file '${location}', which cannot be read here (load the model from its file)`);
  const file = options.externalData(location);
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : file.byteLength - offset;
  if (!(offset >= 0 && length >= 0 && offset + length <= file.byteLength)) {
    throw new RangeError(`${what}: bytes ${offset}..${offset + length} are outside the external file '${location}' (${file.byteLength} bytes)`);
  }
  return file.subarray(offset, offset + length);
}

/** A TensorProto's value (initializers, Constant nodes, attributes); `what` names it in errors. */
export function tensorValue(t: OnnxTypes.ITensorProto, what: string, options: ReadOptions = {}): HostTensor {
  const code = t.dataType ?? 0;
  const dtype = dtypeOf(code, what);
  const shape = (t.dims ?? []).map((d) => toInt(d));
  if (shape.some((d) => !(Number.isInteger(d) && d >= 0))) throw new RangeError(`${what} has invalid dims ${formatShape(shape)}`);
  const size = shape.reduce((a, b) => a * b, 1);
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  const raw = external ? externalBytes(t, what, options) : t.rawData && t.rawData.byteLength > 0 ? t.rawData : undefined;
  return new HostTensor(dtype, shape, raw !== undefined ? fromRaw(code, raw, size, what) : fromFields(t, dtype, size, what));
}

function valueInfo(v: OnnxTypes.IValueInfoProto, what: string, batchAxis: boolean): OnnxValueInfo {
  const name = v.name ?? '';
  const tensor = v.type?.tensorType;
  if (!tensor) throw new TypeError(`${what} '${name}' is not a tensor`);
  const dims = tensor.shape?.dim ?? [];
  const shape = dims.map((d, axis): Dim => {
    if (batchAxis && axis === 0) return BATCH;
    if (d.dimValue !== null && d.dimValue !== undefined && toInt(d.dimValue) > 0) return toInt(d.dimValue);
    return d.dimParam || `${what}_${axis}`;
  });
  return { name, dtype: dtypeOf(tensor.elemType ?? 0, `${what} '${name}'`), shape };
}

/** The default-domain opset of a model, checked against what the importer maps. */
function defaultOpset(model: OnnxTypes.ModelProto, source: string): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (entry === undefined) throw new RangeError(`${source}: the model imports no standard ONNX opset`);
  const opset = toInt(entry.version);
  if (opset < IMPORT_OPSETS.min || opset > IMPORT_OPSETS.max) {
    throw new RangeError(`${source}: opset ${opset} is not supported; the importer reads opsets ${IMPORT_OPSETS.min} to ${IMPORT_OPSETS.max} (convert the model, e.g. with onnx.version_converter)`);
  }
  return opset;
}

function decodeModel(bytes: Uint8Array, source: string): OnnxTypes.ModelProto {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not a valid ONNX file (${e instanceof Error ? e.message : String(e)}); is it truncated?`);
  }
  if (!model.graph || (model.graph as OnnxTypes.GraphProto).node.length === 0) throw new Error(`${source}: not a valid ONNX file (it holds no graph nodes); is it truncated?`);
  return model;
}

/**
 * Decodes an ONNX model (ModelProto bytes) and checks what the importer needs: a
 * standard opset in IMPORT_OPSETS, exactly one data input (its first dim becomes the
 * batch), tensors of supported element types. External data is read through
 * `options.externalData` and inlined into `model`.
 * Throws Error naming `options.source` for undecodable or truncated files, RangeError
 * for an unsupported opset, TypeError for unsupported element types.
 */
export function readOnnx(bytes: Uint8Array, options: ReadOptions = {}): OnnxGraph {
  const source = options.source ?? 'model.onnx';
  const model = decodeModel(bytes, source);
  const opset = defaultOpset(model, source);
  // Decoded messages are instances with every repeated field and string set.
  const graph = model.graph as OnnxTypes.GraphProto;
  const initializers = new Map<string, HostTensor>();
  for (const t of graph.initializer as OnnxTypes.TensorProto[]) {
    const what = `${source}: initializer '${t.name}'`;
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      // Inline the bytes, so the model in memory is self-contained (black-box mode, export).
      t.rawData = externalBytes(t, what, options).slice();
      t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
      t.externalData = [];
    }
    initializers.set(t.name, tensorValue(t, what));
  }
  const data = (graph.input as OnnxTypes.ValueInfoProto[]).filter((v) => !initializers.has(v.name));
  if (data.length !== 1) throw new RangeError(`${source}: the importer needs exactly one data input, the model has ${data.length} (${data.map((v) => v.name).join(', ')})`);
  const input = valueInfo(data[0]!, `${source}: input`, true);
  const outputs = graph.output.map((v) => valueInfo(v, `${source}: output`, false));
  const nodes = (graph.node as OnnxTypes.NodeProto[]).map(
    (n, i): OnnxNode => ({
      name: n.name || `${n.opType}_${i}`,
      opType: n.opType,
      domain: n.domain === 'ai.onnx' ? '' : n.domain,
      inputs: n.input,
      outputs: n.output,
      attributes: new Map((n.attribute as OnnxTypes.AttributeProto[]).map((a) => [a.name, a])),
    }),
  );
  return { source, model, irVersion: toInt(model.irVersion), opset, producer: `${model.producerName} ${model.producerVersion}`.trim(), input, outputs, initializers, nodes };
}
