import type { DType } from '../ir/dtype.js';
import { type Dim, type Shape, broadcastShapes, formatShape, isConcrete, shapesEqual } from '../ir/shape.js';
import { type LowerContext, int, ints } from '../onnx/lower-context.js';
import type { AttributeValue } from '../onnx/proto.js';
import type { TensorType } from './op-def.js';
import { requireFloat, requireSameDtype } from './rules.js';

/**
 * Shared by the sliding-window ops (conv2d and its gradients, pooling): parameters,
 * shape rules and lowering helpers. Layout is NCHW with optional leading dims
 * [...lead, N, C, H, W]; weights are [...lead, O, C/groups, kh, kw]. Leading dims on
 * the weights are per-copy weights (K perturbed copies evaluated in one call).
 */

export type Pair = readonly [number, number];
/** One value for both spatial axes, or [height, width]. */
export type PairLike = number | Pair;

export interface Window2d {
  readonly kernel: Pair;
  readonly stride: Pair;
  /** Symmetric zero padding per spatial axis: [top = bottom, left = right]. */
  readonly padding: Pair;
  readonly dilation: Pair;
}

export interface ConvParams {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;
}

export interface Conv2dOptions {
  readonly stride?: PairLike;
  readonly padding?: PairLike;
  readonly dilation?: PairLike;
  readonly groups?: number;
}

export interface PoolParams {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
}

export interface Pool2dOptions {
  readonly kernel: PairLike;
  /** Defaults to the kernel (non-overlapping windows). */
  readonly stride?: PairLike;
  readonly padding?: PairLike;
}

export function pair(value: PairLike): Pair {
  return typeof value === 'number' ? [value, value] : value;
}

export function convParams(options: Conv2dOptions): ConvParams {
  return { stride: pair(options.stride ?? 1), padding: pair(options.padding ?? 0), dilation: pair(options.dilation ?? 1), groups: options.groups ?? 1 };
}

export function poolParams(options: Pool2dOptions): PoolParams {
  return { kernel: pair(options.kernel), stride: pair(options.stride ?? options.kernel), padding: pair(options.padding ?? 0) };
}

export function poolWindow(p: PoolParams): Window2d {
  return { ...p, dilation: [1, 1] };
}

// ---- shape rules ---------------------------------------------------------------

export function checkPair(value: Pair, name: string, min: number): void {
  if (value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${name} must be one or two integers >= ${min}, got ${JSON.stringify(value)}`);
  }
}

export function checkConvParams(p: ConvParams): void {
  checkPair(p.stride, 'stride', 1);
  checkPair(p.padding, 'padding', 0);
  checkPair(p.dilation, 'dilation', 1);
  if (!Number.isInteger(p.groups) || p.groups < 1) throw new RangeError(`groups must be an integer >= 1, got ${p.groups}`);
}

export function checkPoolParams(p: PoolParams): void {
  checkPair(p.kernel, 'kernel', 1);
  checkPair(p.stride, 'stride', 1);
  checkPair(p.padding, 'padding', 0);
  if (p.padding.some((v, i) => v >= p.kernel[i]!)) throw new RangeError(`padding [${p.padding}] must be smaller than the kernel [${p.kernel}]`);
}

/** Both operands float, of one dtype. */
export function floatOperands(a: TensorType, b: TensorType): DType {
  const dtype = requireSameDtype([a, b]);
  requireFloat(a);
  return dtype;
}

export interface Spatial {
  readonly lead: Shape;
  /** N for activations, O (the filter count) for weights. */
  readonly batch: Dim;
  readonly channels: number;
  readonly size: Pair;
}

/** Splits [...lead, N, C, H, W]; channels and spatial sizes must be concrete. */
export function spatial(t: TensorType, what: string): Spatial {
  if (t.shape.length < 4) throw new RangeError(`${what} needs rank >= 4 ([...lead, N, C, H, W]), got ${formatShape(t.shape)}`);
  const [batch, channels, h, w] = t.shape.slice(-4);
  if (typeof channels !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new RangeError(`${what} needs concrete channel and spatial sizes, got ${formatShape(t.shape)}`);
  }
  return { lead: t.shape.slice(0, -4), batch: batch!, channels, size: [h, w] };
}

export interface Filters {
  readonly lead: Shape;
  readonly out: number;
  /** Input channels per group. */
  readonly in: number;
  readonly kernel: Pair;
}

/** Splits weights [...lead, O, C/groups, kh, kw]; all but the leading dims must be concrete. */
export function filters(t: TensorType): Filters {
  const s = spatial(t, 'w');
  if (typeof s.batch !== 'number') throw new RangeError(`w needs a concrete filter count, got ${formatShape(t.shape)}`);
  return { lead: s.lead, out: s.batch, in: s.channels, kernel: s.size };
}

/** Checks that `groups` splits C input and O output channels, with C/groups per filter. */
export function checkGroups(channels: number, out: number, perGroup: number, groups: number): void {
  if (channels % groups !== 0 || out % groups !== 0) {
    throw new RangeError(`groups ${groups} must divide both the ${channels} input and the ${out} output channels`);
  }
  if (channels / groups !== perGroup) {
    throw new RangeError(`weights take ${perGroup}·${groups} = ${perGroup * groups} input channels, the input has ${channels}`);
  }
}

/** Per spatial axis, how far a window can slide over the padded input. */
function slack(size: Pair, win: Window2d): Pair {
  const room = size.map((s, i) => {
    const span = win.dilation[i]! * (win.kernel[i]! - 1) + 1;
    const r = s + 2 * win.padding[i]! - span;
    if (r < 0) throw new RangeError(`a window spanning ${span} does not fit input size ${s} with padding ${win.padding[i]}`);
    return r;
  });
  return [room[0]!, room[1]!];
}

/** Output spatial size of a window sliding over `size` (floor mode). */
export function outputSize(size: Pair, win: Window2d): Pair {
  const [r0, r1] = slack(size, win);
  return [Math.floor(r0 / win.stride[0]) + 1, Math.floor(r1 / win.stride[1]) + 1];
}

/** Input rows and columns past the last window that a stride skips; a transposed convolution restores them (output_padding). */
export function skippedSize(size: Pair, win: Window2d): Pair {
  const [r0, r1] = slack(size, win);
  return [r0 % win.stride[0], r1 % win.stride[1]];
}

/** Checks that a cotangent's spatial size is the output size of a window over `size`. */
export function checkOutputSize(size: Pair, win: Window2d, got: Pair): void {
  const expected = outputSize(size, win);
  if (!shapesEqual(expected, got)) {
    throw new RangeError(`cotangent spatial size ${formatShape(got)} is not the output size ${formatShape(expected)} of input size ${formatShape(size)}`);
  }
}

/** Type of a pooling of x [...lead, N, C, H, W]. */
export function pooledType(x: TensorType, p: PoolParams): TensorType {
  requireFloat(x);
  checkPoolParams(p);
  return { dtype: x.dtype, shape: [...x.shape.slice(0, -2), ...outputSize(spatial(x, 'x').size, poolWindow(p))] };
}

/**
 * The broadcast of two operands' leading dims. With per-copy weights (and for filter
 * gradients) each leading index becomes a channel group, so the dims must be concrete.
 */
export function leadingShape(a: Shape, b: Shape, perCopy: boolean): Shape {
  const lead = broadcastShapes(a, b);
  if (lead === undefined) throw new RangeError(`leading dims ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
  if (perCopy && !isConcrete(lead)) throw new RangeError(`leading dims ${formatShape(lead)} must be concrete here: each leading index becomes a channel group of one ONNX op`);
  return lead;
}

// ---- lowering helpers ----------------------------------------------------------

export function convAttributes(p: ConvParams, copies: number): Record<string, AttributeValue> {
  return { strides: ints(p.stride), pads: ints([...p.padding, ...p.padding]), dilations: ints(p.dilation), group: int(copies * p.groups) };
}

export function poolAttributes(p: PoolParams): Record<string, AttributeValue> {
  return { kernel_shape: ints(p.kernel), strides: ints(p.stride), pads: ints([...p.padding, ...p.padding]) };
}

/** Runs an NCHW-only ONNX op on `x` with its leading dims folded into the batch, then restores them. */
export function lowerFolded(ctx: LowerContext, x: string, xShape: Shape, out: Shape, op: (x4: string) => string): string {
  if (xShape.length === 4) return op(x);
  const y = op(ctx.emit('Reshape', [x, ctx.ints([-1, ...(xShape.slice(-3) as number[])])]));
  return ctx.emit('Reshape', [y, ctx.shape(out)]);
}

/** Flat offsets into x4 [N, C, H, W] of each window's maximum (MaxPool's second output). */
export function maxPoolIndices(ctx: LowerContext, x4: string, p: PoolParams): string {
  return ctx.emitMulti('MaxPool', [x4], 2, poolAttributes(p))[1]!;
}

/** `x` ([...lead', core×4]) broadcast to [...lead, core×4]; Expand broadcasts both ways, so 1s keep the core. */
export function expandLeading(ctx: LowerContext, x: string, xShape: Shape, lead: readonly number[]): string {
  if (shapesEqual(xShape.slice(0, -4), lead)) return x;
  return ctx.emit('Expand', [x, ctx.ints([...lead, 1, 1, 1, 1])]);
}

const SWAP_AXES_01 = { perm: ints([1, 0, 2, 3, 4]) };

/**
 * Lowers Conv or ConvTranspose of activations a [...lead, N, A, H, W] with weights
 * b [...lead, B0, B1, kh, kw] to one ONNX node. Without leading dims on the weights,
 * a's leading dims fold into the batch. With K = prod(lead) weight copies, the copies
 * become channel groups: a → [N, K·A, H, W], b → [K·B0, B1, kh, kw], group = K·groups,
 * and the output [N, K·Y, OH, OW] is split back to [...lead, N, Y, OH, OW].
 */
export function lowerConvLike(
  ctx: LowerContext,
  [a, b]: readonly string[],
  [aType, bType]: readonly TensorType[],
  out: Shape,
  op: (a: string, b: string, copies: number) => string,
): string {
  if (bType!.shape.length === 4) return lowerFolded(ctx, a!, aType!.shape, out, (a4) => op(a4, b!, 1));
  const lead = out.slice(0, -4) as number[];
  const k = lead.reduce((p, d) => p * d, 1);
  const [, ac, ah, aw] = aType!.shape.slice(-4) as number[];
  const [b0, ...bRest] = bType!.shape.slice(-4) as number[];
  const [, y, oh, ow] = out.slice(-4) as number[];
  const a5 = ctx.emit('Reshape', [expandLeading(ctx, a!, aType!.shape, lead), ctx.ints([k, -1, ac!, ah!, aw!])]);
  const aMerged = ctx.emit('Reshape', [ctx.emit('Transpose', [a5], SWAP_AXES_01), ctx.ints([-1, k * ac!, ah!, aw!])]);
  const bMerged = ctx.emit('Reshape', [expandLeading(ctx, b!, bType!.shape, lead), ctx.ints([k * b0!, ...bRest])]);
  const y5 = ctx.emit('Reshape', [op(aMerged, bMerged, k), ctx.ints([-1, k, y!, oh!, ow!])]);
  return ctx.emit('Reshape', [ctx.emit('Transpose', [y5], SWAP_AXES_01), ctx.shape(out)]);
}
