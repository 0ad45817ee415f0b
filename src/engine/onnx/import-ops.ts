import type { DType } from '../ir/dtype.js';
import { HostTensor } from '../ir/host-tensor.js';
import { type Dim, broadcastShapes, formatShape, isConcrete, normalizeAxis, productDim } from '../ir/shape.js';
import { type Tensor, constant } from '../ir/tensor.js';
import { abs } from '../ops/abs.js';
import { add } from '../ops/add.js';
import { avgPool2d } from '../ops/avg-pool2d.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { cast } from '../ops/cast.js';
import { concat } from '../ops/concat.js';
import { conv2d } from '../ops/conv2d.js';
import { div } from '../ops/div.js';
import { equal } from '../ops/equal.js';
import { erf } from '../ops/erf.js';
import { exp } from '../ops/exp.js';
import { gather } from '../ops/gather.js';
import { gelu } from '../ops/gelu.js';
import { greater } from '../ops/greater.js';
import { layerNorm } from '../ops/layer-norm.js';
import { less } from '../ops/less.js';
import { logSoftmax } from '../ops/log-softmax.js';
import { log } from '../ops/log.js';
import { matmul } from '../ops/matmul.js';
import { maxPool2d } from '../ops/max-pool2d.js';
import { max } from '../ops/max.js';
import { mean } from '../ops/mean.js';
import { mul } from '../ops/mul.js';
import { neg } from '../ops/neg.js';
import { pad } from '../ops/pad.js';
import { pow } from '../ops/pow.js';
import { relu } from '../ops/relu.js';
import { reshape } from '../ops/reshape.js';
import { sigmoid } from '../ops/sigmoid.js';
import { slice } from '../ops/slice.js';
import { softmax } from '../ops/softmax.js';
import { sqrt } from '../ops/sqrt.js';
import { sub } from '../ops/sub.js';
import { sum } from '../ops/sum.js';
import { tanh } from '../ops/tanh.js';
import { matrixTranspose, transpose } from '../ops/transpose.js';
import { where } from '../ops/where.js';
import { type OnnxTypes, onnx, toInt } from './onnx-proto.js';
import { type OnnxNode, dtypeOf, tensorValue } from './read.js';
import { STATIC_BINARY, StaticValue, mapStatic, moveStatic } from './static-values.js';

/**
 * How each ONNX op maps onto forwardprop's ops. Imported values carry the leading copy
 * axes of weight perturbation ([K, …] parameters, a [1, …] input) in front of the dims
 * the file describes, so every axis an ONNX node names is counted from the end of the
 * leading axes: transposes, reshapes, reductions and slices act on the trailing axes
 * and the copies ride along. Integer values computed from shapes are folded at import
 * (StaticValue); every float value is a graph tensor.
 */

/** A graph tensor and how many leading copy axes it carries in front of the file's dims. */
export class Traced {
  constructor(
    readonly t: Tensor,
    readonly lead: number,
  ) {}

  /** The dims the ONNX file describes. */
  get core(): readonly Dim[] {
    return this.t.shape.slice(this.lead);
  }

  get leadDims(): readonly Dim[] {
    return this.t.shape.slice(0, this.lead);
  }
}

export type Value = Traced | StaticValue;

/** What a handler sees of the node it maps. */
export interface ImportContext {
  readonly node: OnnxNode;
  readonly opset: number;
  /** The input at `i`, or undefined when it is omitted. */
  input(i: number): Value | undefined;
  /** The input at `i` as a graph tensor (a static value becomes a constant). */
  tensor(i: number): Traced;
  /** The input at `i` as a value known at import. */
  static(i: number): StaticValue;
  readonly attr: Attributes;
}

type Handler = (c: ImportContext) => Value | Value[];

const AttributeType = onnx.AttributeProto.AttributeType;

/** Typed access to a node's attributes; errors name the attribute and the node. */
export class Attributes {
  constructor(private readonly node: OnnxNode) {}

  private get(name: string, type: number): OnnxTypes.IAttributeProto | undefined {
    const a = this.node.attributes.get(name);
    if (a !== undefined && a.type !== type) throw new TypeError(`attribute '${name}' has type ${AttributeType[a.type ?? 0]}, expected ${AttributeType[type]}`);
    return a;
  }

  has(name: string): boolean {
    return this.node.attributes.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.INT);
    return a === undefined ? fallback : toInt(a.i);
  }

  ints(name: string, fallback: readonly number[]): number[] {
    const a = this.get(name, AttributeType.INTS);
    return a === undefined ? [...fallback] : (a.ints ?? []).map((v) => toInt(v));
  }

  float(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.FLOAT);
    return a === undefined ? fallback : (a.f ?? 0);
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.FLOATS);
    return a === undefined ? undefined : [...(a.floats ?? [])];
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a === undefined ? fallback : new TextDecoder().decode(a.s ?? new Uint8Array());
  }

  tensor(name: string): HostTensor | undefined {
    const a = this.get(name, AttributeType.TENSOR);
    return a?.t ? tensorValue(a.t, `attribute '${name}'`) : undefined;
  }
}

// ---- helpers -------------------------------------------------------------------

/** A value known at import as a graph tensor (a constant); symbolic entries cannot be. */
export function asTraced(v: Value, what: string): Traced {
  return v instanceof Traced ? v : new Traced(constant(v.toHost(what)), 0);
}

/** Values from a file's tensor: integers and booleans are folded at import, floats are constants. */
export function fromHost(host: HostTensor): Value {
  return host.dtype === 'int64' || host.dtype === 'bool' ? StaticValue.of(host) : new Traced(constant(host), 0);
}

/** `axis` of the file's dims, as an axis of the graph tensor. */
function axisOf(v: Traced, axis: number): number {
  return normalizeAxis(axis, v.core.length) + v.lead;
}

/** The leading dims all of `values` share after broadcasting (the copies). */
export function leadOf(values: readonly Traced[]): Dim[] {
  let lead: readonly Dim[] = [];
  for (const v of values) {
    if (v.lead === 0) continue;
    const next = broadcastShapes(lead, v.leadDims);
    if (next === undefined) throw new RangeError(`copy axes ${formatShape(lead)} and ${formatShape(v.leadDims)} do not broadcast`);
    lead = next;
  }
  return [...lead];
}

/**
 * Operands for numpy broadcasting over the file's dims: a tensor with copy axes and
 * fewer dims than the widest operand gets 1s between its copy axes and its dims, so
 * that [K, d] meets [K, seq, batch, d] as [K, 1, 1, d]. Returns the tensors and the
 * result's copy axes.
 */
function aligned(values: readonly Traced[]): { ts: Tensor[]; lead: number } {
  const rank = Math.max(...values.map((v) => v.core.length));
  return { ts: values.map((v) => padRank(v, rank)), lead: Math.max(...values.map((v) => v.lead)) };
}

/** `v` with 1s between its copy axes and its dims up to `rank` dims (itself without copy axes). */
function padRank(v: Traced, rank: number): Tensor {
  if (v.lead === 0 || v.core.length >= rank) return v.t;
  return reshape(v.t, [...v.leadDims, ...new Array<number>(rank - v.core.length).fill(1), ...v.core]);
}

/** Brings every operand to the same copy axes (concat needs equal dims). */
export function withLead(v: Traced, lead: readonly Dim[]): Tensor {
  if (lead.length === 0) return v.t;
  const base = v.lead === 0 ? reshape(v.t, [...new Array<number>(lead.length).fill(1), ...v.core]) : v.t;
  return broadcastTo(base, [...lead, ...v.core]);
}

/** Integer list input `i` (axes, pads, sizes), or the attribute `name` it was before an opset moved it to the inputs. */
function listInput(c: ImportContext, i: number, name?: string): number[] | undefined {
  if (c.input(i) !== undefined) return c.static(i).numbers(`input ${i} ('${c.node.inputs[i]}')`);
  return name !== undefined && c.attr.has(name) ? c.attr.ints(name, []) : undefined;
}

function unaryOp(f: (t: Tensor) => Tensor): Handler {
  return (c) => {
    const x = c.tensor(0);
    return new Traced(f(x.t), x.lead);
  };
}

/** Elementwise binary ops: folded when both operands are known at import, else broadcast over the file's dims. */
function binaryOp(opType: string, f: (a: Tensor, b: Tensor) => Tensor): Handler {
  return (c) => {
    const [a, b] = [c.input(0)!, c.input(1)!];
    const folded = STATIC_BINARY[opType];
    if (folded && a instanceof StaticValue && b instanceof StaticValue) return mapStatic([a, b], folded.dtype ?? a.dtype, folded.f);
    const { ts, lead } = aligned([c.tensor(0), c.tensor(1)]);
    return new Traced(f(ts[0]!, ts[1]!), lead);
  };
}

/** Data movement on either kind of value: folded for static values, on the trailing axes for tensors. */
function movement(c: ImportContext, f: (t: Tensor, lead: number, core: readonly Dim[]) => Tensor): Value {
  const x = c.input(0)!;
  if (x instanceof StaticValue) return moveStatic([x], ([t]) => f(t!, 0, x.shape));
  return new Traced(f(x.t, x.lead, x.core), x.lead);
}

/** A [C] per-channel parameter shaped to broadcast against [..., N, C, spatial...] of `rank` file dims. */
function perChannel(p: Traced, rank: number): Traced {
  return new Traced(reshape(p.t, [...p.leadDims, ...p.core, ...new Array<number>(Math.max(rank - 2, 0)).fill(1)]), p.lead);
}

/**
 * Tokens [..., n, dim] inserted into a sequence [..., batch, seq, dim] after its first
 * `at` entries (every example gets the same tokens; the copy axes of both broadcast).
 */
export function insertTokens(sequence: Traced, tokens: Traced, at: number): Traced {
  const [batch, seq, dim] = sequence.core;
  const [n, tokenDim] = tokens.core;
  if (sequence.core.length !== 3 || tokens.core.length !== 2 || dim !== tokenDim || typeof seq !== 'number') {
    throw new RangeError(`cannot insert tokens ${formatShape(tokens.core)} into a sequence ${formatShape(sequence.core)}: need [batch, seq, dim] and [n, dim]`);
  }
  const lead = leadOf([sequence, tokens]);
  const axis = lead.length + 1;
  const all = withLead(sequence, lead);
  const spread = broadcastTo(reshape(tokens.t, [...(tokens.lead > 0 ? tokens.leadDims : new Array<number>(lead.length).fill(1)), 1, n!, dim]), [...lead, batch!, n!, dim]);
  const parts = [slice(all, { starts: [0], ends: [at], axes: [axis] }), spread, slice(all, { starts: [at], ends: [seq], axes: [axis] })];
  return new Traced(concat(parts, axis), lead.length);
}

// ---- windows ---------------------------------------------------------------------

interface Window {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
}

/** Kernel, strides, dilations and explicit pads of a 2-D window node (auto_pad resolved against the input size). */
function windowOf(c: ImportContext, x: Traced, kernel: readonly number[]): Window {
  const core = x.core;
  if (core.length !== 4) throw new RangeError(`only 2-D windows over [N, C, H, W] are supported, got input ${formatShape(core)}`);
  const two = (name: string, fallback: number): [number, number] => {
    const v = c.attr.ints(name, [fallback, fallback]);
    if (v.length !== 2) throw new RangeError(`${name} must have 2 entries for a 2-D window, got [${v}]`);
    return [v[0]!, v[1]!];
  };
  const stride = two('strides', 1);
  const dilation = two('dilations', 1);
  const k: [number, number] = [kernel[0]!, kernel[1]!];
  const autoPad = c.attr.string('auto_pad', 'NOTSET');
  let pads = c.attr.ints('pads', [0, 0, 0, 0]);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const size = core.slice(2) as number[];
    const total = size.map((s, i) => Math.max((Math.ceil(s / stride[i]!) - 1) * stride[i]! + dilation[i]! * (k[i]! - 1) + 1 - s, 0));
    const small = total.map((t) => Math.floor(t / 2));
    const large = total.map((t, i) => t - small[i]!);
    pads = autoPad === 'SAME_UPPER' ? [...small, ...large] : [...large, ...small];
  } else if (autoPad === 'VALID') {
    pads = [0, 0, 0, 0];
  } else if (autoPad !== 'NOTSET') {
    throw new RangeError(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  if (pads.length !== 4) throw new RangeError(`pads must have 4 entries for a 2-D window, got [${pads}]`);
  return { kernel: k, stride, dilation, pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!] };
}

/** Zero-pads the spatial axes explicitly when the padding is asymmetric; returns the symmetric rest. */
function symmetric(x: Traced, w: Window): { t: Tensor; padding: [number, number] } {
  const [top, left, bottom, right] = w.pads;
  if (top === bottom && left === right) return { t: x.t, padding: [top, left] };
  const zeros = new Array<number>(x.t.rank - 2).fill(0);
  return { t: pad(x.t, { before: [...zeros, top, left], after: [...zeros, bottom, right] }), padding: [0, 0] };
}

/** ceil_mode = 1 only when it gives the same windows as floor mode. */
function checkFloorMode(c: ImportContext, x: Traced, w: Window): void {
  if (c.attr.int('ceil_mode', 0) === 0) return;
  const size = x.core.slice(2) as number[];
  size.forEach((s, i) => {
    const room = s + w.pads[i]! + w.pads[i + 2]! - (w.dilation[i]! * (w.kernel[i]! - 1) + 1);
    if (room % w.stride[i]! !== 0) throw new RangeError('ceil_mode = 1 with a partial last window is not supported');
  });
}

// ---- the table ---------------------------------------------------------------

function reduce(f: (t: Tensor, axes: number[], keepdims: boolean) => Tensor): Handler {
  return (c) => {
    const x = c.tensor(0);
    const axes = listInput(c, 1, 'axes');
    const keepdims = c.attr.int('keepdims', 1) === 1;
    if ((axes === undefined || axes.length === 0) && c.attr.int('noop_with_empty_axes', 0) === 1) return x;
    const all = x.core.map((_, i) => i);
    return new Traced(f(x.t, (axes === undefined || axes.length === 0 ? all : axes).map((a) => axisOf(x, a)), keepdims), x.lead);
  };
}

function softmaxLike(f: (t: Tensor, axis: number) => Tensor): Handler {
  return (c) => {
    const x = c.tensor(0);
    const r = x.core.length;
    const axis = normalizeAxis(c.attr.int('axis', c.opset >= 13 ? -1 : 1), r);
    if (c.opset >= 13 || axis === r - 1) return new Traced(f(x.t, axis + x.lead), x.lead);
    // Before opset 13 the op normalises over all axes from `axis` on, as one flattened axis.
    const flat = reshape(x.t, [...x.leadDims, ...x.core.slice(0, axis), productDim(x.core.slice(axis))]);
    return new Traced(reshape(f(flat, -1), x.t.shape), x.lead);
  };
}

/** gelu(x) with the tanh approximation, 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), from primitives. */
function geluTanh(x: Tensor): Tensor {
  const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

function castTo(c: ImportContext): Value {
  const to = dtypeOf(c.attr.int('to', 0), `Cast target`);
  const x = c.input(0)!;
  if (x instanceof StaticValue) {
    if (to === 'int64' || to === 'bool') return new StaticValue(to, x.shape, to === 'bool' ? x.values.map((v) => (v === 0 ? 0 : 1)) : x.values.map((v) => (typeof v === 'number' ? Math.trunc(v) : v)));
    return new Traced(constant(new StaticValue(to, x.shape, x.values).toHost(`the input of Cast`)), 0);
  }
  if (to !== 'float32' && to !== 'float64') throw new RangeError(`Cast of a computed ${x.t.dtype} tensor to ${to} is data-dependent; only float casts of computed values are supported`);
  return new Traced(cast(x.t, to), x.lead);
}

function constantNode(c: ImportContext): Value {
  const t = c.attr.tensor('value');
  if (t !== undefined) return fromHost(t);
  const floats = c.attr.floats('value_floats');
  if (floats !== undefined) return fromHost(new HostTensor('float32', [floats.length], Float32Array.from(floats)));
  if (c.attr.has('value_float')) return fromHost(new HostTensor('float32', [], Float32Array.of(c.attr.float('value_float', 0))));
  if (c.attr.has('value_ints')) return new StaticValue('int64', [c.attr.ints('value_ints', []).length], c.attr.ints('value_ints', []));
  if (c.attr.has('value_int')) return new StaticValue('int64', [], [c.attr.int('value_int', 0)]);
  throw new RangeError('Constant needs a value, value_float(s) or value_int(s) attribute (sparse and string constants are not supported)');
}

function constantOfShape(c: ImportContext): Value {
  const shape = c.static(0).values;
  const fill = c.attr.tensor('value') ?? new HostTensor('float32', [1], Float32Array.of(0));
  const value = Number((fill.data as ArrayLike<number | bigint>)[0] ?? 0);
  if (fill.dtype === 'int64' || fill.dtype === 'bool') {
    if (!isConcrete(shape)) throw new RangeError(`an integer ConstantOfShape of batch-dependent shape ${formatShape(shape)} cannot be folded`);
    return new StaticValue(fill.dtype, shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(value));
  }
  return new Traced(broadcastTo(constant(value, fill.dtype), shape), 0);
}

function shapeOf(c: ImportContext): Value {
  const x = c.input(0)!;
  const core = x instanceof StaticValue ? x.shape : x.core;
  const r = core.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const dims = core.slice(clamp(c.attr.int('start', 0)), clamp(c.attr.int('end', r)));
  return new StaticValue('int64', [dims.length], dims);
}

function reshapeTo(c: ImportContext): Value {
  const target = c.static(1).values;
  const allowZero = c.attr.int('allowzero', 0) === 1;
  return movement(c, (t, lead, core) => reshape(t, [...t.shape.slice(0, lead), ...target.map((d, i) => (d === 0 && !allowZero ? core[i]! : d))]));
}

function flatten(c: ImportContext): Value {
  return movement(c, (t, lead, core) => {
    const axis = c.attr.int('axis', 1);
    const a = axis < 0 ? axis + core.length : axis;
    if (a < 0 || a > core.length) throw new RangeError(`axis ${axis} is out of range for rank ${core.length}`);
    return reshape(t, [...t.shape.slice(0, lead), productDim(core.slice(0, a)), productDim(core.slice(a))]);
  });
}

function transposeNode(c: ImportContext): Value {
  return movement(c, (t, lead, core) => {
    const perm = c.attr.ints('perm', core.map((_, i) => core.length - 1 - i));
    return transpose(t, [...Array.from({ length: lead }, (_, i) => i), ...perm.map((p) => normalizeAxis(p, core.length) + lead)]);
  });
}

function squeeze(c: ImportContext): Value {
  const axes = listInput(c, 1, 'axes');
  return movement(c, (t, lead, core) => {
    const drop = axes === undefined ? core.flatMap((d, i) => (d === 1 ? [i] : [])) : axes.map((a) => normalizeAxis(a, core.length));
    for (const a of drop) if (core[a] !== 1) throw new RangeError(`axis ${a} of ${formatShape(core)} has size ${core[a]}, not 1`);
    return reshape(t, [...t.shape.slice(0, lead), ...core.filter((_, i) => !drop.includes(i))]);
  });
}

function unsqueeze(c: ImportContext): Value {
  const axes = listInput(c, 1, 'axes');
  if (axes === undefined) throw new RangeError('Unsqueeze needs axes');
  return movement(c, (t, lead, core) => {
    const rank = core.length + axes.length;
    const inserted = new Set(axes.map((a) => normalizeAxis(a, rank)));
    const dims: Dim[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) dims.push(inserted.has(i) ? 1 : core[next++]!);
    return reshape(t, [...t.shape.slice(0, lead), ...dims]);
  });
}

function concatNode(c: ImportContext): Value {
  const axis = c.attr.int('axis', 0);
  const values = c.node.inputs.map((_, i) => c.input(i)!);
  if (values.every((v) => v instanceof StaticValue)) return moveStatic(values as StaticValue[], (ts) => concat(ts, axis));
  const traced = values.map((_, i) => c.tensor(i));
  const lead = leadOf(traced);
  const rank = traced[0]!.core.length;
  return new Traced(concat(traced.map((v) => withLead(v, lead)), normalizeAxis(axis, rank) + lead.length), lead.length);
}

function sliceNode(c: ImportContext): Value {
  const starts = c.static(1).numbers('starts');
  const ends = c.static(2).numbers('ends');
  const axes = listInput(c, 3) ?? starts.map((_, i) => i);
  const steps = listInput(c, 4) ?? starts.map(() => 1);
  if (steps.some((s) => s !== 1)) throw new RangeError(`only unit steps are supported, got steps [${steps}]`);
  return movement(c, (t, lead, core) => slice(t, { starts, ends, axes: axes.map((a) => normalizeAxis(a, core.length) + lead) }));
}

function gatherNode(c: ImportContext): Value {
  const indices = constant(c.static(1).toHost('Gather indices'));
  const axis = c.attr.int('axis', 0);
  return movement(c, (t, lead, core) => gather(t, indices, normalizeAxis(axis, core.length) + lead));
}

function split(c: ImportContext): Value[] {
  const x = c.input(0)!;
  const core = x instanceof StaticValue ? x.shape : x.core;
  const axis = normalizeAxis(c.attr.int('axis', 0), core.length);
  const size = core[axis];
  if (typeof size !== 'number') throw new RangeError(`cannot split axis ${axis} of symbolic size '${size}'`);
  const count = c.node.outputs.length;
  const given = listInput(c, 1, 'split');
  // Without sizes the chunks are equal, the last one smaller when they do not divide the axis.
  const chunk = Math.ceil(size / count);
  const parts = given ?? Array.from({ length: count }, (_, i) => (i < count - 1 ? chunk : size - chunk * (count - 1)));
  if (parts.length !== count || parts.reduce((a, b) => a + b, 0) !== size) throw new RangeError(`split sizes [${parts}] do not cut axis ${axis} of size ${size} into ${count} outputs`);
  let start = 0;
  return parts.map((n) => {
    const [from, to] = [start, (start += n)];
    return movement(c, (t, lead) => slice(t, { starts: [from], ends: [to], axes: [axis + lead] }));
  });
}

function expand(c: ImportContext): Value {
  const shape = c.static(1).values;
  const x = c.input(0)!;
  const core = x instanceof StaticValue ? x.shape : x.core;
  const target = broadcastShapes(core, shape);
  if (target === undefined) throw new RangeError(`cannot expand ${formatShape(core)} to ${formatShape(shape)}`);
  if (x instanceof StaticValue) return moveStatic([x], ([t]) => broadcastTo(t!, target));
  return new Traced(broadcastTo(padRank(x, target.length), [...x.leadDims, ...target]), x.lead);
}

function whereNode(c: ImportContext): Value {
  const [cond, a, b] = [c.input(0)!, c.input(1)!, c.input(2)!];
  if (cond instanceof StaticValue && a instanceof StaticValue && b instanceof StaticValue) return mapStatic([cond, a, b], a.dtype, (k, x, y) => (k !== 0 ? x : y));
  const { ts, lead } = aligned([c.tensor(0), c.tensor(1), c.tensor(2)]);
  return new Traced(where(ts[0]!, ts[1]!, ts[2]!), lead);
}

function padNode(c: ImportContext): Value {
  const mode = c.attr.string('mode', 'constant');
  if (mode !== 'constant') throw new RangeError(`Pad mode '${mode}' is not supported (only 'constant')`);
  const pads = c.static(1).numbers('pads');
  const valueInput = c.input(2);
  const fill = valueInput instanceof StaticValue ? valueInput.numbers('Pad value')[0] : valueInput !== undefined ? constantNumber(valueInput.t) : 0;
  if (fill !== 0) throw new RangeError(`Pad value ${fill} is not supported (only zero padding)`);
  const x = c.tensor(0);
  const r = x.core.length;
  const axes = listInput(c, 3)?.map((a) => normalizeAxis(a, r)) ?? x.core.map((_, i) => i);
  if (pads.length !== 2 * axes.length) throw new RangeError(`pads [${pads}] need 2 entries per padded axis (${axes.length})`);
  const before = new Array<number>(x.t.rank).fill(0);
  const after = new Array<number>(x.t.rank).fill(0);
  axes.forEach((a, i) => ((before[a + x.lead] = pads[i]!), (after[a + x.lead] = pads[i + axes.length]!)));
  // Negative pads crop.
  const crop = before.some((v) => v < 0) || after.some((v) => v < 0);
  const padded = pad(x.t, { before: before.map((v) => Math.max(v, 0)), after: after.map((v) => Math.max(v, 0)) });
  if (!crop) return new Traced(padded, x.lead);
  const cut = padded.shape.map((_, a) => a).filter((a) => before[a]! < 0 || after[a]! < 0);
  return new Traced(slice(padded, { axes: cut, starts: cut.map((a) => Math.max(-before[a]!, 0)), ends: cut.map((a) => (padded.shape[a] as number) - Math.max(-after[a]!, 0)) }), x.lead);
}

/** The value of a scalar (or one-element) constant tensor. */
function constantNumber(t: Tensor): number {
  if (t.source.kind !== 'constant' || t.source.value.size !== 1) throw new RangeError('expected a constant scalar');
  return Number((t.source.value.data as ArrayLike<number | bigint>)[0]);
}

function gemm(c: ImportContext): Value {
  const [a, b] = [c.tensor(0), c.tensor(1)];
  if (a.core.length !== 2 || b.core.length !== 2) throw new RangeError(`Gemm needs matrices, got ${formatShape(a.core)} and ${formatShape(b.core)}`);
  const at = c.attr.int('transA', 0) ? matrixTranspose(a.t) : a.t;
  const bt = c.attr.int('transB', 0) ? matrixTranspose(b.t) : b.t;
  const alpha = c.attr.float('alpha', 1);
  const product = new Traced(alpha === 1 ? matmul(at, bt) : mul(matmul(at, bt), alpha), Math.max(a.lead, b.lead));
  if (c.input(2) === undefined) return product;
  const beta = c.attr.float('beta', 1);
  const bias = c.tensor(2);
  const scaled = beta === 1 ? bias : new Traced(mul(bias.t, beta), bias.lead);
  const { ts, lead } = aligned([product, scaled]);
  return new Traced(add(ts[0]!, ts[1]!), lead);
}

function matmulNode(c: ImportContext): Value {
  let [a, b] = [c.tensor(0), c.tensor(1)];
  // Vectors: [k] · [..., k, m] and [..., n, k] · [k] become matrices, then lose the axis again.
  const vectorA = a.core.length === 1;
  const vectorB = b.core.length === 1;
  if (vectorA) a = new Traced(reshape(a.t, [...a.leadDims, 1, ...a.core]), a.lead);
  if (vectorB) b = new Traced(reshape(b.t, [...b.leadDims, ...b.core, 1]), b.lead);
  const { ts, lead } = aligned([a, b]);
  const y = new Traced(matmul(ts[0]!, ts[1]!), lead);
  if (!vectorA && !vectorB) return y;
  const core = y.core.filter((_, i, all) => !((vectorA && i === all.length - 2) || (vectorB && i === all.length - 1)));
  return new Traced(reshape(y.t, [...y.leadDims, ...core]), y.lead);
}

function conv(c: ImportContext): Value {
  const [x, w] = [c.tensor(0), c.tensor(1)];
  if (w.core.length !== 4) throw new RangeError(`only 2-D convolutions are supported, got weights ${formatShape(w.core)}`);
  const win = windowOf(c, x, c.attr.ints('kernel_shape', w.core.slice(2) as number[]));
  const { t, padding } = symmetric(x, win);
  // Copies of the input and of the weights meet in conv2d's own leading axes.
  const y = new Traced(conv2d(t, w.t, { stride: win.stride, padding, dilation: win.dilation, groups: c.attr.int('group', 1) }), Math.max(x.lead, w.lead));
  if (c.input(2) === undefined) return y;
  const { ts, lead } = aligned([y, perChannel(c.tensor(2), y.core.length)]);
  return new Traced(add(ts[0]!, ts[1]!), lead);
}

function pool(kind: 'max' | 'average'): Handler {
  return (c) => {
    const x = c.tensor(0);
    if (c.node.outputs.length > 1 && c.node.outputs[1] !== '') throw new RangeError('MaxPool indices (a second output) are not supported');
    const win = windowOf(c, x, c.attr.ints('kernel_shape', []));
    if (win.dilation.some((d) => d !== 1)) throw new RangeError(`pooling dilations [${win.dilation}] are not supported`);
    checkFloorMode(c, x, win);
    const [top, left, bottom, right] = win.pads;
    if (top !== bottom || left !== right) throw new RangeError(`asymmetric pooling pads [${win.pads}] are not supported`);
    if (kind === 'average' && (top > 0 || left > 0) && c.attr.int('count_include_pad', 0) === 0) {
      throw new RangeError('AveragePool with padding and count_include_pad = 0 is not supported (padding counts as zeros here)');
    }
    const options = { kernel: win.kernel, stride: win.stride, padding: [top, left] as [number, number] };
    return new Traced(kind === 'max' ? maxPool2d(x.t, options) : avgPool2d(x.t, options), x.lead);
  };
}

function batchNorm(c: ImportContext): Value {
  if (c.attr.int('training_mode', 0) !== 0 || c.node.outputs.filter((o) => o !== '').length > 1) throw new RangeError('BatchNormalization in training mode is not supported (export the model in eval mode)');
  const x = c.tensor(0);
  const r = x.core.length;
  const [scale, bias, mu, variance] = [1, 2, 3, 4].map((i) => perChannel(c.tensor(i), r));
  // y = (x - μ) · s / √(σ² + ε) + b
  const epsilon = c.attr.float('epsilon', 1e-5);
  const factor = new Traced(div(scale!.t, sqrt(add(variance!.t, epsilon))), Math.max(scale!.lead, variance!.lead));
  const centred = aligned([x, mu!]);
  const normed = new Traced(sub(centred.ts[0]!, centred.ts[1]!), centred.lead);
  const scaled = aligned([normed, factor]);
  const shifted = aligned([new Traced(mul(scaled.ts[0]!, scaled.ts[1]!), scaled.lead), bias!]);
  return new Traced(add(shifted.ts[0]!, shifted.ts[1]!), shifted.lead);
}

function layerNormNode(c: ImportContext): Value {
  if (c.node.outputs.filter((o) => o !== '').length > 1) throw new RangeError('LayerNormalization mean and inverse-deviation outputs are not supported');
  const x = c.tensor(0);
  const axis = axisOf(x, c.attr.int('axis', -1));
  const epsilon = c.attr.float('epsilon', 1e-5);
  const [scale, bias] = [c.tensor(1), c.input(2) === undefined ? undefined : c.tensor(2)];
  const normalised = x.t.shape.slice(axis);
  const fits = (p: Traced | undefined) => p === undefined || (p.lead === 0 && p.t.shape.length === normalised.length && p.t.shape.every((d, i) => d === normalised[i]));
  if (fits(scale) && fits(bias)) return new Traced(layerNorm(x.t, scale.t, bias?.t, { axis, epsilon }), x.lead);
  // Per-copy scale and shift do not fit the fused op: apply them separately.
  const plain = new Traced(layerNorm(x.t, undefined, undefined, { axis, epsilon }), x.lead);
  const scaled = aligned([plain, scale]);
  const y = new Traced(mul(scaled.ts[0]!, scaled.ts[1]!), scaled.lead);
  if (bias === undefined) return y;
  const shifted = aligned([y, bias]);
  return new Traced(add(shifted.ts[0]!, shifted.ts[1]!), shifted.lead);
}

function rangeNode(c: ImportContext): Value {
  const [start, limit, delta] = [0, 1, 2].map((i) => c.static(i).numbers(`Range input ${i}`)[0]!);
  if (delta === 0) throw new RangeError('Range delta must not be 0');
  const n = Math.max(Math.ceil((limit! - start!) / delta!), 0);
  const values = Array.from({ length: n }, (_, i) => start! + i * delta!);
  const dtype: DType = c.static(0).dtype;
  return dtype === 'int64' ? new StaticValue('int64', [n], values) : new Traced(constant(new StaticValue(dtype, [n], values).toHost('Range')), 0);
}

/** Every ONNX op (standard domain) the importer maps, by op type. */
export const IMPORTERS: Readonly<Record<string, Handler>> = {
  Identity: (c) => c.input(0)!,
  Dropout: (c) => {
    if (c.input(2) !== undefined && c.static(2).numbers('training_mode')[0]) throw new RangeError('Dropout in training mode is not supported');
    return c.input(0)!;
  },
  Constant: constantNode,
  ConstantOfShape: constantOfShape,
  Shape: shapeOf,
  Cast: castTo,
  Range: rangeNode,
  Add: binaryOp('Add', add),
  Sub: binaryOp('Sub', sub),
  Mul: binaryOp('Mul', mul),
  Div: binaryOp('Div', div),
  Pow: binaryOp('Pow', pow),
  Equal: binaryOp('Equal', equal),
  Less: binaryOp('Less', less),
  Greater: binaryOp('Greater', greater),
  Where: whereNode,
  Sqrt: unaryOp(sqrt),
  Exp: unaryOp(exp),
  Log: unaryOp(log),
  Neg: unaryOp(neg),
  Abs: unaryOp(abs),
  Reciprocal: unaryOp((t) => div(1, t)),
  Erf: unaryOp(erf),
  Tanh: unaryOp(tanh),
  Sigmoid: unaryOp(sigmoid),
  Relu: unaryOp(relu),
  Gelu: (c) => {
    const approximate = c.attr.string('approximate', 'none');
    if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`Gelu approximate '${approximate}' is not one of none, tanh`);
    return unaryOp(approximate === 'tanh' ? geluTanh : gelu)(c);
  },
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
  MatMul: matmulNode,
  Gemm: gemm,
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('average'),
  GlobalAveragePool: unaryOp((t) => mean(t, [-2, -1], true)),
  GlobalMaxPool: unaryOp((t) => max(t, [-2, -1], true)),
  BatchNormalization: batchNorm,
  LayerNormalization: layerNormNode,
  ReduceMean: reduce(mean),
  ReduceSum: reduce(sum),
  ReduceMax: reduce(max),
  Reshape: reshapeTo,
  Flatten: flatten,
  Transpose: transposeNode,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concatNode,
  Slice: sliceNode,
  Gather: gatherNode,
  Split: split,
  Expand: expand,
  Pad: padNode,
};
