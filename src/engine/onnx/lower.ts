import { OpError } from '../ir/errors.js';
import type { GraphSpec } from '../ir/graph.js';
import { topoSort } from '../ir/graph.js';
import type { HostTensor } from '../ir/host-tensor.js';
import type { Tensor } from '../ir/tensor.js';
import { opOf } from '../ops/op-def.js';
import { ONNX_DTYPE } from './dtypes.js';
import { OnnxBuilder, type SymbolSource } from './lower-context.js';
import { type ModelProto, encodeModel } from './proto.js';

/** Opset 20 brings Gelu and axes-as-input reductions; IR version 9 is its pairing. */
export const OPSET = 20;
const IR_VERSION = 9;

export interface LowerOptions {
  /** Inputs to bake into the model as initializers instead of graph inputs (for export). */
  readonly initializers?: ReadonlyMap<Tensor, HostTensor>;
}

/** Checks that inputs are input nodes with unique names and collects where each symbol can be read. */
export function inputSymbols(spec: GraphSpec): Map<string, SymbolSource> {
  const names = new Set<string>();
  const symbols = new Map<string, SymbolSource>();
  for (const t of spec.inputs) {
    if (t.source.kind !== 'input') throw new TypeError(`graph inputs must be input tensors, got ${t}`);
    const name = t.source.name;
    if (names.has(name)) throw new RangeError(`two graph inputs are named '${name}'`);
    names.add(name);
    t.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !symbols.has(d)) symbols.set(d, { name, axis });
    });
  }
  return symbols;
}

/** Lowers a graph to an ONNX model; the outputs are named out0, out1, … in order. */
export function lowerToModel(spec: GraphSpec, options: LowerOptions = {}): ModelProto {
  const symbols = inputSymbols(spec);
  const builder = new OnnxBuilder(symbols);
  const names = new Map<Tensor, string>();
  for (const t of spec.inputs) if (t.source.kind === 'input') names.set(t, t.source.name);

  for (const node of topoSort(spec.outputs)) {
    if (names.has(node)) continue;
    const src = node.source;
    if (src.kind === 'input') {
      throw new Error(`input '${src.name}' ${node.dtype}[${node.shape.join(',')}] is used by an output but is not among the graph's inputs`);
    }
    if (src.kind === 'constant') {
      names.set(node, builder.constant(src.value));
      continue;
    }
    const { def, params } = opOf(node, 'lower');
    builder.scope = node.scope;
    try {
      names.set(node, def.lower(builder, node.inputs.map((i) => names.get(i)!), params, node));
    } catch (e) {
      if (e instanceof OpError) throw e;
      throw new OpError(def.name, node.inputs, node.scope, `lowering failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const outputs = spec.outputs.map((t, i) => {
    const name = `out${i}`;
    // Identity gives every output its own name even when outputs repeat or are inputs.
    builder.nodes.push({ opType: 'Identity', inputs: [names.get(t)!], outputs: [name], name: `output_${i}` });
    return { name, dataType: ONNX_DTYPE[t.dtype], shape: t.shape };
  });

  const baked: ReadonlyMap<Tensor, HostTensor> = options.initializers ?? new Map();
  const inputs = spec.inputs
    .filter((t) => !baked.has(t))
    .map((t) => ({ name: names.get(t)!, dataType: ONNX_DTYPE[t.dtype], shape: t.shape }));
  const initializers = [
    ...[...baked].map(([t, value]) => ({
      name: names.get(t)!,
      dataType: ONNX_DTYPE[t.dtype],
      dims: value.shape,
      raw: new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength),
    })),
  ];
  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerVersion: '0.1.0',
    graph: { name: 'forwardprop', nodes: builder.nodes, inputs, outputs, initializers },
  };
}

export function lowerToBytes(spec: GraphSpec, options: LowerOptions = {}): Uint8Array {
  return encodeModel(lowerToModel(spec, options));
}
