import type { Tensor } from '../engine/ir/tensor.js';
import { matmul } from '../engine/ops/matmul.js';
import { mul } from '../engine/ops/mul.js';
import { matrixTranspose } from '../engine/ops/transpose.js';
import type { BuildContext, ParamDecl } from './module.js';

/**
 * How a matrix weight is laid out: 'in-out' for y = x W (nn's Linear, ONNX MatMul and
 * Gemm without transB), 'out-in' for y = x Wᵀ (PyTorch's Linear, Gemm with transB = 1).
 */
export type MatrixLayout = 'in-out' | 'out-in';

/** Modules that know how their matrix weights are used (which axis is the input side). */
export interface MatrixLayouts {
  /** The layout of parameter `name` when it is a MatMul/Gemm weight, else undefined. */
  matrixLayout(name: string): MatrixLayout | undefined;
}

export interface LoraOptions {
  /** Rank r of the update (≥ 1). */
  readonly rank: number;
  /** Scale α; the update is (α / r) B A (default: α = r, a scale of 1). */
  readonly alpha?: number;
  /** Globs of the matrix weights that get adapters. */
  readonly targets: string | readonly string[];
}

/** One adapted weight: its shape, layout and the names of its factors. */
export interface LoraTarget {
  readonly name: string;
  readonly shape: readonly [number, number];
  readonly layout: MatrixLayout;
  readonly a: string;
  readonly b: string;
}

/** The adapted weight `name` of shape [rows, cols] in `layout`, with factors named `<name>.lora_A` and `<name>.lora_B` (peft's names). */
export function loraTarget(name: string, shape: readonly number[], layout: MatrixLayout): LoraTarget {
  return { name, shape: [shape[0]!, shape[1]!], layout, a: `${name}.lora_A`, b: `${name}.lora_B` };
}

/** Fan-in and fan-out of a target, whatever its layout. */
function fans(t: LoraTarget): { fanIn: number; fanOut: number } {
  const [rows, cols] = t.shape;
  return t.layout === 'in-out' ? { fanIn: rows, fanOut: cols } : { fanIn: cols, fanOut: rows };
}

/**
 * The factors of a rank-r update of `t` (Hu et al. 2021, LoRA, §4.1): A [r, in] drawn
 * Gaussian with Kaiming variance 2/in, B [out, r] zero, so training starts at the
 * pretrained weights.
 */
export function loraParams(t: LoraTarget, rank: number): ParamDecl[] {
  const { fanIn, fanOut } = fans(t);
  return [
    { name: t.a, shape: [rank, fanIn], init: { kind: 'kaiming', fanIn } },
    { name: t.b, shape: [fanOut, rank], init: { kind: 'zeros' } },
  ];
}

/** ΔW = (α / r) B A in the weight's own layout, with the context's copy axes. */
export function loraDelta(ctx: BuildContext, t: LoraTarget, scale: number): Tensor {
  const product = matmul(ctx.param(t.b), ctx.param(t.a)); // [..., out, in]
  return mul(t.layout === 'out-in' ? product : matrixTranspose(product), scale);
}

/** W + (α / r) B A on host data, in the weight's layout: the merged weight for export. */
export function mergeLora(t: LoraTarget, w: Float32Array, a: Float32Array, b: Float32Array, rank: number, scale: number): Float32Array {
  const { fanIn, fanOut } = fans(t);
  const merged = Float32Array.from(w);
  for (let o = 0; o < fanOut; o++) {
    for (let i = 0; i < fanIn; i++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[o * rank + k]! * a[k * fanIn + i]!;
      merged[t.layout === 'out-in' ? o * fanIn + i : i * fanOut + o]! += scale * s;
    }
  }
  return merged;
}
