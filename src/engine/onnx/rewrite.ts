import { formatShape } from '../ir/shape.js';
import { type OnnxTypes, onnx } from './onnx-proto.js';
import type { OnnxGraph } from './read.js';

/** A copy of the graph's ModelProto, so rewrites never touch the imported one. */
function copyModel(graph: OnnxGraph): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(graph.model).finish());
}

function floatInitializer(graph: OnnxGraph, model: OnnxTypes.ModelProto, name: string): OnnxTypes.TensorProto {
  const t = (model.graph!.initializer as OnnxTypes.TensorProto[]).find((i) => i.name === name);
  if (t === undefined || graph.initializers.get(name)?.dtype !== 'float32') throw new RangeError(`${graph.source}: no float initializer '${name}'`);
  return t;
}

/**
 * The original model file with new values for some float initializers (trained or
 * merged weights): every node, opset and name of the file is kept, so the result runs
 * wherever the original did. Throws RangeError for an unknown name or a wrong size.
 */
export function withInitializers(graph: OnnxGraph, values: ReadonlyMap<string, Float32Array>): Uint8Array {
  const model = copyModel(graph);
  for (const [name, v] of values) {
    const t = floatInitializer(graph, model, name);
    const shape = graph.initializers.get(name)!.shape;
    if (v.length !== shape.reduce((a, b) => a * b, 1)) throw new RangeError(`${graph.source}: initializer '${name}' ${formatShape(shape)} cannot take ${v.length} values`);
    t.dataType = onnx.TensorProto.DataType.FLOAT;
    t.floatData = [];
    t.rawData = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The original model file with the named float initializers turned into graph inputs
 * (same name, shape and type), appended after the data input in the given order, so a
 * runtime can feed them. The rest of the file is unchanged.
 */
export function initializersAsInputs(graph: OnnxGraph, names: readonly string[]): Uint8Array {
  const model = copyModel(graph);
  const g = model.graph as OnnxTypes.GraphProto;
  const chosen = names.map((name) => floatInitializer(graph, model, name));
  g.initializer = (g.initializer as OnnxTypes.TensorProto[]).filter((t) => !chosen.includes(t));
  // Older files list initializers among the inputs too; drop those entries before re-adding.
  g.input = (g.input as OnnxTypes.ValueInfoProto[]).filter((v) => !names.includes(v.name));
  for (const t of chosen) {
    g.input.push(
      onnx.ValueInfoProto.create({
        name: t.name,
        type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } },
      }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}
