import type { DType } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';
import { type Shape, dimFactors, isConcrete } from '../ir/shape.js';
import { ONNX_DTYPE } from './dtypes.js';
import type { AttributeValue, NodeProto, TensorProto } from './proto.js';

/** What an op's lowering may do: emit ONNX nodes and constants. */
export interface LowerContext {
  /** Emits one node with a single output and returns the output's name. */
  emit(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>): string;
  /** Emits one node with `outputs` outputs and returns their names. */
  emitMulti(opType: string, inputs: readonly string[], outputs: number, attributes?: Readonly<Record<string, AttributeValue>>): string[];
  /** A constant tensor (an initializer, deduplicated). */
  constant(value: HostTensor): string;
  /** A scalar constant of the given dtype. */
  scalar(value: number, dtype: DType): string;
  /** A 1-D int64 constant (axes, starts, static shapes). */
  ints(values: readonly number[]): string;
  /** A 1-D int64 tensor holding `shape` at run time; symbolic dims are read off the graph inputs. */
  shape(shape: Shape): string;
  /** The shape operand of a Reshape from `from` to `to`: a constant whenever ONNX's 0 (copy) and -1 (infer) can stand for the symbolic dims. */
  reshapeShape(from: Shape, to: Shape): string;
  /** The shape operand of an Expand from `from` to `to`: a constant whenever 1 (keep the input's dim) can stand for the symbolic dims. */
  expandShape(from: Shape, to: Shape): string;
}

/** Where a symbolic dimension can be read at run time: input `name`, axis `axis`. */
export interface SymbolSource {
  readonly name: string;
  readonly axis: number;
}

export function ints(value: readonly number[]): AttributeValue {
  return { kind: 'ints', value };
}

export function int(value: number): AttributeValue {
  return { kind: 'int', value };
}

export function float(value: number): AttributeValue {
  return { kind: 'float', value };
}

export function str(value: string): AttributeValue {
  return { kind: 'string', value };
}

/**
 * Accumulates the nodes of one ONNX graph. Constants are Constant nodes, not
 * initializers, so that in an exported file the initializers are exactly the weights
 * (which is how the importer tells them apart).
 */
export class OnnxBuilder implements LowerContext {
  readonly nodes: NodeProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly symbolDims = new Map<string, string>();
  private counter = 0;
  /** Scope of the op being lowered, used to name its nodes. */
  scope = '';

  constructor(private readonly symbols: ReadonlyMap<string, SymbolSource>) {}

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  emit(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>): string {
    return this.emitMulti(opType, inputs, 1, attributes)[0]!;
  }

  emitMulti(opType: string, inputs: readonly string[], outputs: number, attributes?: Readonly<Record<string, AttributeValue>>): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh('v'));
    const name = `${this.scope ? `${this.scope}/` : ''}${opType}_${this.counter++}`;
    this.nodes.push({ opType, inputs, outputs: names, name, ...(attributes ? { attributes } : {}) });
    return names;
  }

  constant(value: HostTensor): string {
    const raw = new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
    // Deduplicate small constants (scalars, axes) that rules create over and over.
    const key = raw.byteLength <= 256 ? `${value.dtype}|${value.shape.join(',')}|${raw.join(',')}` : undefined;
    const known = key === undefined ? undefined : this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.fresh('c');
    const tensor: TensorProto = { dataType: ONNX_DTYPE[value.dtype], dims: value.shape, raw: raw.slice() };
    this.nodes.push({ opType: 'Constant', inputs: [], outputs: [name], name: `Constant_${this.counter++}`, attributes: { value: { kind: 'tensor', value: tensor } } });
    if (key !== undefined) this.constants.set(key, name);
    return name;
  }

  scalar(value: number, dtype: DType): string {
    const t = HostTensor.zeros(dtype, []);
    if (t.data instanceof BigInt64Array) t.data[0] = BigInt(value);
    else t.data[0] = value;
    return this.constant(t);
  }

  ints(values: readonly number[]): string {
    return this.constant(new HostTensor('int64', [values.length], BigInt64Array.from(values, BigInt)));
  }

  shape(shape: Shape): string {
    if (isConcrete(shape)) return this.ints(shape);
    const parts = shape.map((d) => (typeof d === 'number' ? this.ints([d]) : this.symbolDim(d)));
    return this.emit('Concat', parts, { axis: int(0) });
  }

  reshapeShape(from: Shape, to: Shape): string {
    // A literal 0 would read as "copy"; such (empty) shapes take the general path.
    if (isConcrete(to) || to.includes(0)) return this.shape(to);
    const dims = to.map((d, i) => (typeof d === 'number' ? d : from[i] === d ? 0 : undefined));
    const unknown = dims.filter((d) => d === undefined).length;
    return unknown <= 1 ? this.ints(dims.map((d) => d ?? -1)) : this.shape(to);
  }

  expandShape(from: Shape, to: Shape): string {
    const pad = to.length - from.length;
    const dims = to.map((d, i) => (typeof d === 'number' ? d : i >= pad && from[i - pad] === d ? 1 : undefined));
    return dims.every((d) => d !== undefined) ? this.ints(dims as number[]) : this.shape(to);
  }

  private symbolDim(symbol: string): string {
    const known = this.symbolDims.get(symbol);
    if (known !== undefined) return known;
    const { size, symbols } = dimFactors(symbol);
    let dim: string;
    if (symbols.length === 1 && size === 1) {
      const source = this.symbols.get(symbol);
      if (source === undefined) throw new Error(`symbolic dimension '${symbol}' does not appear in any graph input`);
      dim = this.emit('Slice', [this.emit('Shape', [source.name]), this.ints([source.axis]), this.ints([source.axis + 1])]);
    } else {
      // A product dim ('batch*64'): multiply its factors at run time.
      dim = symbols.map((s) => this.symbolDim(s)).reduce((a, b) => this.emit('Mul', [a, b]));
      if (size !== 1) dim = this.emit('Mul', [dim, this.ints([size])]);
    }
    this.symbolDims.set(symbol, dim);
    return dim;
  }
}
