import { onnx } from '../../src/engine/onnx/onnx-proto.js';

/**
 * Hand-built ONNX models for the import tests, made with the protobuf schema (onnx-proto)
 * directly, the way a third-party exporter makes them.
 */

export type Attr =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: { readonly dtype: 'float' | 'int64'; readonly dims: readonly number[]; readonly values: readonly number[] } };

/** [opType, inputs, outputs, attributes] */
export type NodeSpec = readonly [string, readonly string[], readonly string[], Readonly<Record<string, Attr>>?];

export interface GraphSpecOnnx {
  readonly opset?: number;
  /** Element type of the data input, the float initializers, float tensor attributes and Cast-to-float targets. */
  readonly dtype?: 'float' | 'double';
  /** The data input 'x'; its first dim is the symbolic batch 'N'. */
  readonly x: readonly number[];
  readonly nodes: readonly NodeSpec[];
  /** Float initializers (weights) by name: dims and values. */
  readonly weights?: Readonly<Record<string, { readonly dims: readonly number[]; readonly values: ArrayLike<number> }>>;
  /** int64 initializers by name. */
  readonly ints?: Readonly<Record<string, readonly number[]>>;
  /** Output names (default ['y']). */
  readonly outputs?: readonly string[];
  readonly domainNodes?: readonly { readonly node: number; readonly domain: string }[];
}

const T = onnx.TensorProto.DataType;

function tensor(name: string, dataType: number, dims: readonly number[], values: ArrayLike<number>): InstanceType<typeof onnx.TensorProto> {
  const raw = dataType === T.INT64 ? new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer) : dataType === T.DOUBLE ? new Uint8Array(Float64Array.from(values).buffer) : new Uint8Array(Float32Array.from(values).buffer);
  return onnx.TensorProto.create({ name, dataType, dims: [...dims], rawData: raw });
}

function attribute(name: string, a: Attr, elem: number): InstanceType<typeof onnx.AttributeProto> {
  const A = onnx.AttributeProto.AttributeType;
  // A Cast 'to' float follows the graph's float type.
  if ('int' in a) return onnx.AttributeProto.create({ name, type: A.INT, i: name === 'to' && a.int === T.FLOAT ? elem : a.int });
  if ('float' in a) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: a.float });
  if ('ints' in a) return onnx.AttributeProto.create({ name, type: A.INTS, ints: [...a.ints] });
  if ('string' in a) return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(a.string) });
  const t = a.tensor;
  return onnx.AttributeProto.create({ name, type: A.TENSOR, t: tensor('', t.dtype === 'float' ? elem : T.INT64, t.dims, t.values) });
}

/** The ModelProto bytes of a graph spec. */
export function onnxBytes(spec: GraphSpecOnnx): Uint8Array {
  const elem = spec.dtype === 'double' ? T.DOUBLE : T.FLOAT;
  const valueInfo = (name: string, dims?: readonly (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: elem, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
    });
  const nodes = spec.nodes.map(([opType, inputs, outputs, attrs = {}], i) =>
    onnx.NodeProto.create({
      opType,
      name: `n${i}_${opType}`,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([name, a]) => attribute(name, a, elem)),
      domain: spec.domainNodes?.find((d) => d.node === i)?.domain ?? '',
    }),
  );
  const initializer = [
    ...Object.entries(spec.weights ?? {}).map(([name, w]) => tensor(name, elem, w.dims, w.values)),
    ...Object.entries(spec.ints ?? {}).map(([name, v]) => tensor(name, T.INT64, [v.length], v)),
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'forwardprop-tests',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'test',
      node: nodes,
      initializer,
      input: [valueInfo('x', ['N', ...spec.x.slice(1)])],
      output: (spec.outputs ?? ['y']).map((name) => valueInfo(name)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export const int = (v: number): Attr => ({ int: v });
export const float = (v: number): Attr => ({ float: v });
export const ints = (v: readonly number[]): Attr => ({ ints: v });
export const str = (v: string): Attr => ({ string: v });
