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

/**
 * The model file with a learnable additive input prompt (visual prompting, Bahng et al.
 * 2022): a float initializer `name`, shaped like one example and zero, is added to the
 * data input — through `mask` (0/1 per element, e.g. a frame) when given — and every
 * node that read the input reads the prompted input instead. The result is a complete
 * file: as a black box `name` trains like any initializer, and written with trained
 * values it applies the prompt wherever it runs. Throws RangeError when the file
 * already uses `name` or the mask does not fit one example.
 */
export function withInputPrompt(graph: OnnxGraph, name: string, mask?: Float32Array): Uint8Array {
  const dims = graph.input.shape.slice(1);
  if (!dims.every((d): d is number => typeof d === 'number')) throw new RangeError(`${graph.source}: an input prompt needs fixed example dims, input '${graph.input.name}' has ${formatShape(graph.input.shape)}`);
  const size = dims.reduce((a, b) => a * b, 1);
  if (mask !== undefined && mask.length !== size) throw new RangeError(`${graph.source}: the prompt mask has ${mask.length} elements, an example ${size}`);
  const model = copyModel(graph);
  const g = model.graph as OnnxTypes.GraphProto;
  const [masked, prompted] = [`${name}/masked`, `${name}/input`];
  const used = new Set([...graph.initializers.keys(), ...graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), graph.input.name]);
  for (const value of [name, `${name}/mask`, masked, prompted]) if (used.has(value)) throw new RangeError(`${graph.source}: the file already has a value named '${value}'`);
  const tensor = (tensorName: string, values: Float32Array) =>
    onnx.TensorProto.create({ name: tensorName, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) });
  for (const node of g.node as OnnxTypes.NodeProto[]) node.input = node.input.map((i) => (i === graph.input.name ? prompted : i));
  g.initializer.push(tensor(name, new Float32Array(size)));
  const nodes = [onnx.NodeProto.create({ name: `${name}/Add`, opType: 'Add', input: [graph.input.name, mask ? masked : name], output: [prompted] })];
  if (mask) {
    g.initializer.push(tensor(`${name}/mask`, mask));
    nodes.unshift(onnx.NodeProto.create({ name: `${name}/Mul`, opType: 'Mul', input: [name, `${name}/mask`], output: [masked] }));
  }
  g.node = [...nodes, ...(g.node as OnnxTypes.NodeProto[])];
  return onnx.ModelProto.encode(model).finish();
}
