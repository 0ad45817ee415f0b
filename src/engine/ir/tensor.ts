import type { DType } from './dtype.js';
import { HostTensor } from './host-tensor.js';
import { currentScope } from './scope.js';
import { type Shape, formatShape } from './shape.js';
import type { AnyOpDef } from '../ops/op-def.js';

/** Where a tensor's value comes from: a named graph input, constant data, or an op on other tensors. */
export type TensorSource =
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'constant'; readonly value: HostTensor }
  | { readonly kind: 'op'; readonly def: AnyOpDef; readonly params: unknown; readonly inputs: readonly Tensor[] };

let nextId = 0;

/**
 * A symbolic tensor: a node of a dataflow graph. Building ops creates nodes; nothing
 * runs until a graph is compiled. Tensors are immutable and may be shared by graphs.
 */
export class Tensor {
  readonly id = nextId++;

  constructor(
    readonly dtype: DType,
    readonly shape: Shape,
    readonly source: TensorSource,
    readonly scope: string = currentScope(),
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get inputs(): readonly Tensor[] {
    return this.source.kind === 'op' ? this.source.inputs : [];
  }

  /** The op name, or 'input' / 'constant'. */
  get op(): string {
    return this.source.kind === 'op' ? this.source.def.name : this.source.kind;
  }

  toString(): string {
    const label = this.source.kind === 'input' ? `input '${this.source.name}'` : this.op;
    return `${label} ${this.dtype}${formatShape(this.shape)}`;
  }
}

const SYMBOL = /^[A-Za-z_]\w*$/;
const INPUT_NAME = /^[\w][\w./:-]*$/;

/** A named graph input; string dimensions are symbolic sizes bound when the graph runs. */
export function input(name: string, dtype: DType, shape: Shape): Tensor {
  if (!INPUT_NAME.test(name)) {
    throw new RangeError(`input name '${name}' must be non-empty and use only letters, digits, '_', '.', '/', ':' or '-'`);
  }
  for (const d of shape) {
    if (typeof d === 'number' ? !(Number.isInteger(d) && d >= 0) : !SYMBOL.test(d)) {
      throw new RangeError(`input '${name}' has invalid dimension ${JSON.stringify(d)} in shape ${formatShape(shape)}`);
    }
  }
  return new Tensor(dtype, shape, { kind: 'input', name });
}

/** A constant with the given data; numbers become scalars of `dtype`. */
export function constant(value: HostTensor | number, dtype: DType = 'float32'): Tensor {
  const host = typeof value === 'number' ? scalarHost(value, dtype) : value;
  return new Tensor(host.dtype, host.shape, { kind: 'constant', value: host });
}

function scalarHost(value: number, dtype: DType): HostTensor {
  const t = HostTensor.zeros(dtype, []);
  if (t.data instanceof BigInt64Array) t.data[0] = BigInt(value);
  else t.data[0] = value;
  return t;
}
