import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, constant } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mul } from '../engine/ops/mul.js';
import { alignParam } from './align.js';
import type { BuildContext, Module, ParamDecl } from './module.js';

/** Name of the prompt parameter (an input perturbation, or prompt tokens). */
export const PROMPT = 'prompt';

/**
 * Modules with a token sequence (ViTs) that can take n learnable prompt tokens after
 * their patch embedding (VPT-shallow, Jia et al. 2022): the module with the tokens
 * inserted, whose parameter `prompt` [n, dim] holds them.
 */
export interface PromptTokens {
  withPromptTokens(tokens: number): Module;
}

/** Whether `module` can take prompt tokens. */
export function hasPromptTokens(module: Module): module is Module & PromptTokens {
  return typeof (module as Partial<PromptTokens>).withPromptTokens === 'function';
}

export interface VisualPromptOptions {
  /**
   * Width in pixels of the learnable frame around each image (Bahng et al.'s padding
   * prompter); 0 or absent: the whole image, an additive perturbation of every pixel.
   */
  readonly border?: number;
}

/** 0/1 mask of a frame `border` pixels wide on [C, H, W]. */
function frameMask(shape: readonly number[], border: number): HostTensor<'float32'> {
  const [c, h, w] = shape as [number, number, number];
  const mask = new Float32Array(c * h * w);
  for (let i = 0; i < mask.length; i++) {
    const [y, x] = [Math.floor(i / w) % h, i % w];
    mask[i] = y < border || y >= h - border || x < border || x >= w - border ? 1 : 0;
  }
  return new HostTensor('float32', shape, mask);
}

/**
 * The mask of a visual prompt on examples `inputShape`: the frame of `border` pixels on
 * [C, H, W], or undefined for a prompt on every element (no border). Throws RangeError
 * for a border that is not an integer >= 0, covers the whole image, or an input that is
 * not [C, H, W].
 */
export function promptMask(inputShape: readonly number[], { border = 0 }: VisualPromptOptions = {}): HostTensor<'float32'> | undefined {
  if (!Number.isInteger(border) || border < 0) throw new RangeError(`prompt border must be an integer >= 0, got ${border}`);
  if (border > 0 && (inputShape.length !== 3 || 2 * border >= Math.min(inputShape[1]!, inputShape[2]!))) {
    throw new RangeError(`a prompt border of ${border} pixels does not fit images [${inputShape.join(', ')}]`);
  }
  return border > 0 ? frameMask(inputShape, border) : undefined;
}

/**
 * Visual prompting (Bahng et al. 2022, "Exploring Visual Prompts for Adapting
 * Large-Scale Models"): a learnable additive perturbation δ of the input, x + m ⊙ δ,
 * with m the frame mask (or all ones). Returns the parameter and the input map.
 * Throws RangeError for a border that covers the whole image or an input that is not [C, H, W].
 */
export function visualPrompt(inputShape: readonly number[], options: VisualPromptOptions = {}): { param: ParamDecl; apply: (ctx: BuildContext, x: Tensor) => Tensor } {
  const frame = promptMask(inputShape, options);
  const mask = frame && constant(frame);
  return {
    param: { name: PROMPT, shape: inputShape, init: { kind: 'zeros' } },
    apply: (ctx, x) => {
      const delta = ctx.param(PROMPT);
      return add(x, alignParam(mask ? mul(delta, mask) : delta, ctx.lead, x.rank));
    },
  };
}
