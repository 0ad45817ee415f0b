import { withScope } from '../engine/ir/scope.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { cast } from '../engine/ops/cast.js';
import { greater } from '../engine/ops/greater.js';
import { layerNorm } from '../engine/ops/layer-norm.js';
import { matmul } from '../engine/ops/matmul.js';
import { mean } from '../engine/ops/mean.js';
import { relu } from '../engine/ops/relu.js';
import { reshape } from '../engine/ops/reshape.js';
import { sum } from '../engine/ops/sum.js';
import { transpose } from '../engine/ops/transpose.js';
import { alignParam } from './align.js';
import type { BuildContext, Module, ParamDecl } from './module.js';

/**
 * LocalMixer (Ren, Kornblith, Liao, Hinton 2023): an MLP-Mixer built for local losses.
 * The image is cut into a P = n×n grid of patches (tokens). Block 0 embeds each patch
 * with a dense layer and a grouped layer; every later block mixes tokens with one
 * linear layer, then channels with a dense and a grouped layer, adds its input back
 * and applies ReLU. A parameter-free LayerNorm follows every linear layer (per patch,
 * and per channel group after grouped layers), and every block ends in a local
 * classifier head; a linear readout on the patch-averaged output predicts the class.
 * Layer shapes follow the authors' code (google-research/local_forward_gradient).
 */
export interface LocalMixerConfig {
  readonly blocks: number;
  /** Patches per side: the image becomes patches² tokens. */
  readonly patches: number;
  readonly channels: number;
  readonly groups: number;
}

/** The paper's presets, named size/patches/groups. */
export const LOCAL_MIXER_PRESETS: Readonly<Record<string, LocalMixerConfig>> = Object.freeze({
  'S/1/1': { blocks: 1, patches: 1, channels: 256, groups: 1 },
  'M/1/16': { blocks: 1, patches: 1, channels: 512, groups: 16 },
  'M/8/16': { blocks: 4, patches: 8, channels: 512, groups: 16 },
  'L/8/64': { blocks: 4, patches: 8, channels: 2048, groups: 64 },
});

export class LocalMixer implements Module {
  readonly kind = 'localmixer';
  private readonly tokens: number;
  private readonly patchSize: number;

  constructor(
    readonly config: LocalMixerConfig,
    /** One example: [channels, height, width]. */
    readonly inputShape: readonly number[],
    readonly classes: number,
  ) {
    const { patches, channels, groups } = config;
    const [c, h, w] = inputShape as [number, number, number];
    for (const [name, v] of Object.entries(config)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LocalMixer: ${name} must be a positive integer, got ${v}`);
    }
    if (inputShape.length !== 3 || h % patches !== 0 || w % patches !== 0) {
      throw new RangeError(`LocalMixer: images [${inputShape.join(', ')}] do not split into ${patches}×${patches} patches`);
    }
    if (channels % groups !== 0) throw new RangeError(`LocalMixer: ${groups} groups do not divide ${channels} channels`);
    this.tokens = patches * patches;
    this.patchSize = (h / patches) * (w / patches) * c;
  }

  params(): ParamDecl[] {
    const { blocks, channels: c, groups: g } = this.config;
    const width = c / g;
    // Only the grouped layer's weights feed a single group: the LayerNorm after a dense
    // layer couples all its channels, so group losses cannot credit its weights by group.
    const dense = (name: string, fanIn: number): ParamDecl[] => [
      { name: `${name}.weight`, shape: [fanIn, c], init: { kind: 'kaiming', fanIn } },
      { name: `${name}.bias`, shape: [c], init: { kind: 'zeros' } },
    ];
    const grouped = (name: string): ParamDecl[] => [
      { name: `${name}.weight`, shape: [g, width, width], init: { kind: 'kaiming', fanIn: width }, groups: { axis: 0, count: g } },
      { name: `${name}.bias`, shape: [g, width], init: { kind: 'zeros' }, groups: { axis: 0, count: g } },
    ];
    const decls: ParamDecl[] = [];
    for (let b = 0; b < blocks; b++) {
      if (b > 0) {
        decls.push(
          { name: `blocks.${b}.token.weight`, shape: [this.tokens, this.tokens], init: { kind: 'kaiming', fanIn: this.tokens } },
          { name: `blocks.${b}.token.bias`, shape: [this.tokens], init: { kind: 'zeros' } },
        );
      }
      decls.push(...dense(`blocks.${b}.dense`, b === 0 ? this.patchSize : c), ...grouped(`blocks.${b}.group`));
    }
    for (let b = 0; b < blocks; b++) {
      decls.push(
        { name: `heads.${b}.weight`, shape: [c, this.classes], init: { kind: 'glorot', fanIn: c, fanOut: this.classes } },
        { name: `heads.${b}.bias`, shape: [this.classes], init: { kind: 'zeros' } },
      );
    }
    // A zero readout, as in the authors' code: it learns from exact gradients.
    decls.push({ name: 'readout.weight', shape: [c, this.classes], init: { kind: 'zeros' } }, { name: 'readout.bias', shape: [this.classes], init: { kind: 'zeros' } });
    return decls;
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const { blocks, patches, groups } = this.config;
    let h = this.patchify(x);
    for (let b = 0; b < blocks; b++) {
      h = withScope(`block${b}`, () => (b === 0 ? this.firstBlock(ctx, h) : this.mixerBlock(ctx, h, b)));
      h = ctx.endBlock(h, { patches: patches * patches, groups, head: { weight: ctx.param(`heads.${b}.weight`), bias: ctx.param(`heads.${b}.bias`) } });
    }
    return withScope('readout', () => this.linear(ctx, mean(h, -2), 'readout', 2));
  }

  /** [..., batch, C, H, W] → [..., batch, patches², patch pixels] (each patch's pixels row-major, channel last). */
  private patchify(x: Tensor): Tensor {
    const n = this.config.patches;
    const [c, height, width] = this.inputShape as [number, number, number];
    const lead = x.shape.slice(0, -3);
    const r = lead.length;
    const grid = reshape(x, [...lead, c, n, height / n, n, width / n]);
    // [..., C, n, ph, n, pw] → [..., n, n, ph, pw, C]
    const order = [...lead.map((_, i) => i), r + 1, r + 3, r + 2, r + 4, r];
    return reshape(transpose(grid, order), [...lead, this.tokens, this.patchSize]);
  }

  private firstBlock(ctx: BuildContext, x: Tensor): Tensor {
    const h = this.activate(ctx, layerNorm(this.linear(ctx, x, 'blocks.0.dense', 3)));
    const z = this.groupNorm(this.groupLinear(ctx, h, 'blocks.0.group'));
    return this.activate(ctx, z);
  }

  private mixerBlock(ctx: BuildContext, x: Tensor, b: number): Tensor {
    // Token mixing: one linear map over the patches, shared by all channels.
    const mixed = transpose(this.linear(ctx, transpose(x, this.swapLast(x)), `blocks.${b}.token`, 3), this.swapLast(x));
    // A token-mixing unit feeds every group of its patch (through the dense layer next).
    const t = this.activate(ctx, layerNorm(mixed), (s, z) => this.patchSlots(s, z));
    const d = this.activate(ctx, layerNorm(this.linear(ctx, t, `blocks.${b}.dense`, 3)));
    const z = this.groupNorm(this.groupLinear(ctx, d, `blocks.${b}.group`));
    // The residual joins before the ReLU, so the live units are those of z + x.
    const sum = add(ctx.activity(z, cast(greater(add(z, x), 0), z.dtype), (s) => this.channelSlots(s, z)), x);
    return relu(sum);
  }

  /**
   * ReLU of a pre-activation [..., batch, P, C], marked as an activity site whose units
   * reach the local losses of their own (patch, group) only, unless `slots` says otherwise.
   */
  private activate(ctx: BuildContext, z: Tensor, slots = (s: Tensor, at: Tensor) => this.channelSlots(s, at)): Tensor {
    return relu(ctx.activity(z, cast(greater(z, 0), z.dtype), (s) => slots(s, z)));
  }

  /** Per-(example, patch, group) values [batch, P, G] spread over the group's channels of z [batch, P, C]. */
  private channelSlots(perSlot: Tensor, z: Tensor): Tensor {
    const { groups } = this.config;
    const [batch, p, c] = z.shape.slice(-3) as [string | number, number, number];
    const spread = broadcastTo(reshape(perSlot, [batch, p, groups, 1]), [batch, p, groups, c / groups]);
    return reshape(spread, z.shape);
  }

  /** Per-(example, patch, group) values summed over the groups of each patch, spread over its channels. */
  private patchSlots(perSlot: Tensor, z: Tensor): Tensor {
    return broadcastTo(sum(perSlot, -1, true), z.shape);
  }

  private swapLast(x: Tensor): number[] {
    const perm = x.shape.map((_, i) => i);
    [perm[x.rank - 2], perm[x.rank - 1]] = [x.rank - 1, x.rank - 2];
    return perm;
  }

  /**
   * x W + b over the last axis, for parameters `name.weight` and `name.bias`; x is
   * [..., batch, (P,) C], `rank` its rank without copy axes. Examples and patches fold
   * into the rows of one matrix, so stacked weight copies [K, C, C'] take one [rows, C]
   * product per copy rather than one per (copy, example).
   */
  private linear(ctx: BuildContext, x: Tensor, name: string, rank: number): Tensor {
    const copies = x.shape.slice(0, x.rank - rank);
    const rows = reshape(x, [...copies, -1, x.shape[x.rank - 1]!]);
    const w = ctx.param(`${name}.weight`);
    const product = matmul(rows, alignParam(w, ctx.lead, rows.rank));
    const y = reshape(product, [...product.shape.slice(0, -2), ...x.shape.slice(x.rank - rank, -1), w.shape[w.rank - 1]!]);
    return add(y, alignParam(ctx.param(`${name}.bias`), ctx.lead, y.rank));
  }

  /**
   * A grouped linear layer: channel group g of every patch through its own [C/G, C/G]
   * weight. Groups move in front so that all patches of all examples form one matrix
   * per group: G matrix products instead of one per (example, patch).
   */
  private groupLinear(ctx: BuildContext, x: Tensor, name: string): Tensor {
    const { groups } = this.config;
    const [batch, p, c] = x.shape.slice(-3) as [string | number, number, number];
    const lead = x.shape.slice(0, -3);
    const r = lead.length;
    const split = reshape(x, [...lead, batch, p, groups, c / groups]);
    const byGroup = transpose(split, [...lead.map((_, i) => i), r + 2, r, r + 1, r + 3]);
    const rows = reshape(byGroup, [...lead, groups, -1, c / groups]);
    const w = ctx.param(`${name}.weight`);
    const y = matmul(rows, alignParam(w, ctx.lead, rows.rank));
    const back = transpose(reshape(y, [...y.shape.slice(0, -3), groups, batch, p, c / groups]), [...y.shape.slice(0, -3).map((_, i) => i), r + 1, r + 2, r, r + 3]);
    const biased = add(back, alignParam(ctx.param(`${name}.bias`), ctx.lead, back.rank));
    return biased;
  }

  /** LayerNorm within each channel group of [..., batch, P, G, C/G], returned as [..., batch, P, C]. */
  private groupNorm(x: Tensor): Tensor {
    return reshape(layerNorm(x), [...x.shape.slice(0, -2), this.config.channels]);
  }
}

/** Parses 'S/1/1', 'M/1/16', 'M/8/16', 'L/8/64' or 'blocks=2,patches=4,channels=128,groups=8'. */
export function localMixerConfig(spec: string): LocalMixerConfig {
  const preset = LOCAL_MIXER_PRESETS[spec];
  if (preset) return preset;
  const fields = Object.fromEntries(spec.split(',').map((kv) => kv.split('=') as [string, string]));
  const keys = ['blocks', 'patches', 'channels', 'groups'] as const;
  if (keys.some((k) => !/^\d+$/.test(fields[k] ?? '')) || Object.keys(fields).length !== keys.length) {
    throw new RangeError(`localmixer '${spec}': use a preset (${Object.keys(LOCAL_MIXER_PRESETS).join(', ')}) or blocks=…,patches=…,channels=…,groups=…`);
  }
  return Object.fromEntries(keys.map((k) => [k, Number(fields[k])])) as unknown as LocalMixerConfig;
}
