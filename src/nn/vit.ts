import { withScope } from '../engine/ir/scope.js';
import { type Shape, broadcastShapes } from '../engine/ir/shape.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { concat } from '../engine/ops/concat.js';
import { matmul } from '../engine/ops/matmul.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { softmax } from '../engine/ops/softmax.js';
import { matrixTranspose, transpose } from '../engine/ops/transpose.js';
import { alignParam } from './align.js';
import { Activation } from './layers/activation.js';
import { Conv2d } from './layers/conv2d.js';
import { LayerNorm } from './layers/layer-norm.js';
import { Linear } from './layers/linear.js';
import type { BuildContext, Module, ParamDecl } from './module.js';
import { PROMPT, type PromptTokens } from './prompt.js';

/**
 * A Vision Transformer (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words"): a
 * convolution with stride = kernel = patch embeds each patch, a learned class token is
 * prepended and learned positions added, pre-norm encoder blocks (multi-head
 * self-attention, then a GELU MLP, each behind a LayerNorm and around a residual)
 * follow, and a final LayerNorm and a linear head read the class token. The MLPs'
 * pre-activations are activity sites. With `prompts`, n learnable tokens (no
 * position) follow the class token (VPT-shallow, Jia et al. 2022).
 */
export interface VitConfig {
  /** Patch side in pixels (the embedding's kernel and stride). */
  readonly patch: number;
  readonly dim: number;
  readonly heads: number;
  /** Hidden units of each block's MLP. */
  readonly mlp: number;
  readonly layers: number;
  /** Learnable prompt tokens after the class token (0: none). */
  readonly prompts?: number;
}

/**
 * Presets. 'tiny' matches the PyTorch ViT of the foreign test models (vit-tiny.onnx:
 * 7×7 patches, dim 64, 4 heads, MLP 128, 2 layers; 72,074 parameters on 28×28 images).
 */
export const VIT_PRESETS: Readonly<Record<string, VitConfig>> = Object.freeze({
  tiny: { patch: 7, dim: 64, heads: 4, mlp: 128, layers: 2 },
  small: { patch: 4, dim: 96, heads: 3, mlp: 192, layers: 4 },
});

const KEYS = ['patch', 'dim', 'heads', 'mlp', 'layers'] as const;

/** 'tiny', or 'patch=7,dim=64,heads=4,mlp=128,layers=2' (missing keys from 'tiny'). */
export function vitConfig(name: string): VitConfig {
  const preset = VIT_PRESETS[name];
  if (preset !== undefined) return preset;
  const config: Record<string, number> = { ...VIT_PRESETS.tiny };
  for (const part of name.split(',')) {
    const [key, value] = part.split('=');
    if (!(KEYS as readonly string[]).includes(key ?? '') || value === undefined || !/^\d+$/.test(value)) {
      throw new RangeError(`vit '${name}': expected a preset (${Object.keys(VIT_PRESETS).join(', ')}) or ${KEYS.map((k) => `${k}=<n>`).join(',')}`);
    }
    config[key!] = Number(value);
  }
  return config as unknown as VitConfig;
}

/** Axes `i` and `j` (negative: from the end) swapped, leading axes kept. */
function swap(t: Tensor, i: number, j: number): Tensor {
  const perm = t.shape.map((_, a) => a);
  [perm[t.rank + i], perm[t.rank + j]] = [t.rank + j, t.rank + i];
  return transpose(t, perm);
}

/** Multi-head self-attention over [..., batch, seq, dim]: one qkv projection, softmax(q kᵀ / √d) v per head, an output projection. */
class SelfAttention implements Module {
  readonly kind = 'attention';
  private readonly qkv: Linear;
  private readonly proj: Linear;

  constructor(
    readonly dim: number,
    readonly heads: number,
  ) {
    this.qkv = new Linear(dim, 3 * dim, { init: 'glorot' });
    this.proj = new Linear(dim, dim, { init: 'glorot' });
  }

  params(): [] {
    return [];
  }

  children(): [string, Module][] {
    return [
      ['qkv', this.qkv],
      ['proj', this.proj],
    ];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const width = this.dim / this.heads;
    const qkv = this.qkv.apply(ctx.child('qkv'), x);
    const prefix = qkv.shape.slice(0, -1);
    // [..., seq, 3·dim] → q, k, v as [..., heads, seq, width]
    const part = (i: number) => swap(reshape(slice(qkv, { starts: [i * this.dim], ends: [(i + 1) * this.dim], axes: [qkv.rank - 1] }), [...prefix, this.heads, width]), -3, -2);
    const [q, k, v] = [part(0), part(1), part(2)];
    const attention = softmax(mul(matmul(q, matrixTranspose(k)), 1 / Math.sqrt(width)));
    const merged = reshape(swap(matmul(attention, v), -3, -2), [...prefix, this.dim]);
    return this.proj.apply(ctx.child('proj'), merged);
  }
}

/** A pre-norm encoder block: x + attn(LN(x)), then x + fc2(gelu(fc1(LN(x)))). */
class EncoderBlock implements Module {
  readonly kind = 'encoder';
  private readonly parts: [string, Module][];

  constructor(dim: number, heads: number, hidden: number) {
    this.parts = [
      ['norm1', new LayerNorm(dim)],
      ['attn', new SelfAttention(dim, heads)],
      ['norm2', new LayerNorm(dim)],
      ['fc1', new Linear(dim, hidden, { init: 'glorot' })],
      ['act', new Activation('gelu')],
      ['fc2', new Linear(hidden, dim, { init: 'glorot' })],
    ];
  }

  params(): [] {
    return [];
  }

  children(): [string, Module][] {
    return this.parts;
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const run = (from: number, to: number, h: Tensor) =>
      this.parts.slice(from, to).reduce((y, [name, m]) => withScope(name, () => m.apply(ctx.child(name), y)), h);
    const attended = add(x, run(0, 2, x));
    return add(attended, run(2, 6, attended));
  }
}

export class Vit implements Module, PromptTokens {
  readonly kind = 'vit';
  readonly grid: readonly [number, number];
  private readonly embed: Conv2d;
  private readonly blocks: EncoderBlock[];
  private readonly norm: LayerNorm;
  private readonly head: Linear;

  constructor(
    readonly config: VitConfig,
    /** One example: [channels, height, width]. */
    readonly inputShape: readonly number[],
    readonly classes: number,
  ) {
    const { patch, dim, heads, mlp, layers, prompts = 0 } = config;
    for (const [name, v] of Object.entries({ patch, dim, heads, mlp, layers })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`vit: ${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(prompts) || prompts < 0) throw new RangeError(`vit: prompts must be an integer >= 0, got ${prompts}`);
    if (dim % heads !== 0) throw new RangeError(`vit: ${heads} heads do not divide dim ${dim}`);
    const [c, h, w] = inputShape as [number, number, number];
    if (inputShape.length !== 3 || h % patch !== 0 || w % patch !== 0) throw new RangeError(`vit: images [${inputShape.join(', ')}] do not split into ${patch}×${patch} patches`);
    this.grid = [h / patch, w / patch];
    this.embed = new Conv2d(c, dim, { kernel: patch, stride: patch });
    this.blocks = Array.from({ length: layers }, () => new EncoderBlock(dim, heads, mlp));
    this.norm = new LayerNorm(dim);
    this.head = new Linear(dim, classes, { init: 'glorot' });
  }

  /** Tokens per example: the class token and one per patch (prompt tokens not counted). */
  get sequence(): number {
    return this.grid[0] * this.grid[1] + 1;
  }

  params(): ParamDecl[] {
    const { dim, prompts = 0 } = this.config;
    const own: ParamDecl[] = [
      { name: 'cls', shape: [1, dim], init: { kind: 'zeros' } },
      { name: 'pos', shape: [this.sequence, dim], init: { kind: 'glorot', fanIn: dim, fanOut: dim } },
    ];
    return prompts > 0 ? [...own, { name: PROMPT, shape: [prompts, dim], init: { kind: 'glorot', fanIn: dim, fanOut: dim } }] : own;
  }

  children(): [string, Module][] {
    return [['patch', this.embed], ...this.blocks.map((b, i): [string, Module] => [`blocks.${i}`, b]), ['norm', this.norm], ['head', this.head]];
  }

  withPromptTokens(tokens: number): Vit {
    return new Vit({ ...this.config, prompts: tokens }, this.inputShape, this.classes);
  }

  /** Token parameter `name` [...lead, n, dim] repeated for each example of a [...prefix, seq, dim] sequence: [...prefix', n, dim]. */
  private tokens(ctx: BuildContext, name: string, prefix: Shape): Tensor {
    const p = ctx.param(name);
    const lead = p.shape.slice(0, ctx.lead);
    const ones = new Array<number>(prefix.length - lead.length).fill(1);
    const full = broadcastShapes(prefix, [...lead, ...ones])!;
    return broadcastTo(reshape(p, [...lead, ...ones, ...p.shape.slice(ctx.lead)]), [...full, ...p.shape.slice(ctx.lead)]);
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const { dim, prompts = 0 } = this.config;
    const embedded = withScope('patch', () => this.embed.apply(ctx.child('patch'), x)); // [..., batch, dim, gh, gw]
    const patches = swap(reshape(embedded, [...embedded.shape.slice(0, -3), dim, this.sequence - 1]), -2, -1);
    // Copies of the class token and of the patch embedding meet in one prefix [..., batch].
    const cls = this.tokens(ctx, 'cls', patches.shape.slice(0, -2));
    const prefix = cls.shape.slice(0, -2);
    const joined = concat([cls, broadcastTo(patches, [...prefix, this.sequence - 1, dim])], -2);
    let h = add(joined, alignParam(ctx.param('pos'), ctx.lead, joined.rank));
    if (prompts > 0) {
      const marked = this.tokens(ctx, PROMPT, h.shape.slice(0, -2));
      const spread = broadcastTo(h, [...marked.shape.slice(0, -2), this.sequence, dim]);
      const axis = spread.rank - 2;
      h = concat([slice(spread, { starts: [0], ends: [1], axes: [axis] }), marked, slice(spread, { starts: [1], ends: [this.sequence], axes: [axis] })], -2);
    }
    h = this.blocks.reduce((y, block, i) => withScope(`blocks.${i}`, () => block.apply(ctx.child(`blocks.${i}`), y)), h);
    const normed = withScope('norm', () => this.norm.apply(ctx.child('norm'), h));
    const token = reshape(slice(normed, { starts: [0], ends: [1], axes: [normed.rank - 2] }), [...normed.shape.slice(0, -2), dim]);
    return withScope('head', () => this.head.apply(ctx.child('head'), token));
  }
}
