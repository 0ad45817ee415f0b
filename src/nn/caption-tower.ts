import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, constant } from '../engine/ir/tensor.js';
import { matmul } from '../engine/ops/matmul.js';
import { mul } from '../engine/ops/mul.js';
import { matrixTranspose } from '../engine/ops/transpose.js';
import { unitRows } from './losses.js';
import type { BuildContext, Module, ParamDecl } from './module.js';

/** Lower-case words of a caption ('T-shirt/top' → t, shirt, top). */
export function captionTokens(caption: string): string[] {
  return caption.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/**
 * The text side of a CLIP-style pair (Radford et al. 2021) whose image side is frozen
 * (locked-image tuning, Zhai et al. 2022): each caption is the mean of its tokens'
 * learned embeddings [tokens, width] mapped by a learned projection [width, dim] into the
 * image embedding space; an image embedding x [batch, dim] scores every caption by the
 * cosine of the two, times a fixed logit scale. The output [batch, captions] is what
 * CLIP's image-to-text loss (cross-entropy against the image's caption) and its zero-shot
 * classification (argmax over the class captions) read.
 */
export class CaptionTower implements Module {
  readonly kind = 'caption-tower';
  /** The vocabulary: every token of the captions, in first-seen order. */
  readonly vocabulary: readonly string[];
  /** [captions, tokens]: 1/|caption| where the caption holds the token (mean pooling). */
  private readonly pooling: HostTensor<'float32'>;

  constructor(
    readonly captions: readonly string[],
    /** Dimension of the frozen image embeddings. */
    readonly dim: number,
    /** Width of the token embeddings. */
    readonly width = 32,
    /** Cosine similarities are multiplied by this before the softmax (CLIP learns it; starts near 14). */
    readonly logitScale = 10,
  ) {
    for (const [name, v] of [['dim', dim], ['width', width]] as const) if (!Number.isInteger(v) || v < 1) throw new RangeError(`CaptionTower: ${name} must be a positive integer, got ${v}`);
    if (!(logitScale > 0)) throw new RangeError(`CaptionTower: logitScale must be positive, got ${logitScale}`);
    const tokens = captions.map(captionTokens);
    const empty = tokens.findIndex((t) => t.length === 0);
    if (captions.length === 0 || empty >= 0) throw new RangeError(`CaptionTower: every caption needs a word${empty >= 0 ? `; caption ${empty} is '${captions[empty]}'` : ''}`);
    this.vocabulary = [...new Set(tokens.flat())];
    const v = this.vocabulary.length;
    const pooling = new Float32Array(captions.length * v);
    tokens.forEach((words, c) => words.forEach((w) => (pooling[c * v + this.vocabulary.indexOf(w)]! += 1 / words.length)));
    this.pooling = new HostTensor('float32', [captions.length, v], pooling);
  }

  params(): ParamDecl[] {
    return [
      { name: 'tokens', shape: [this.vocabulary.length, this.width], init: { kind: 'glorot', fanIn: this.vocabulary.length, fanOut: this.width } },
      { name: 'projection', shape: [this.width, this.dim], init: { kind: 'glorot', fanIn: this.width, fanOut: this.dim } },
    ];
  }

  children(): [] {
    return [];
  }

  /** x [..., batch, dim] (copy axes broadcast) → scaled cosines [..., batch, captions]. */
  apply(ctx: BuildContext, x: Tensor): Tensor {
    // Copies of the parameters [K, …] broadcast against the pooling matrix and x [1, batch, dim].
    const text = matmul(matmul(constant(this.pooling), ctx.param('tokens')), ctx.param('projection'));
    return mul(matmul(unitRows(x), matrixTranspose(unitRows(text))), this.logitScale);
  }
}
