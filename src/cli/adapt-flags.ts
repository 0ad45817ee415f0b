import type { PromptOptions } from '../nn/adapt.js';
import type { TrainConfig } from '../train/config.js';
import { type FlagSpecs, UsageError } from './args.js';

/** Flags choosing what to train of an imported model (`forwardprop train --model onnx:<file>`). */
export const adaptFlagSpecs = {
  trainable: { type: 'string', help: 'onnx models: train only the parameters these globs match, e.g. head.*,norm.* (default: all; none with --lora or --prompt)' },
  lora: { type: 'string', help: 'onnx models: LoRA adapters r=<rank>,alpha=<α>,targets=<globs> on MatMul/Gemm weights, e.g. r=8,alpha=16,targets=onnx::MatMul_*' },
  prompt: { type: 'string', help: 'onnx models: <n> learnable prompt tokens after the patch embedding (ViTs), or border=<pixels>: a visual prompt on a frame (0: every pixel)' },
  'black-box': { type: 'boolean', help: 'onnx models: run the file as it is in onnxruntime and train through its outputs (loss-only methods); automatic when the importer does not map an op of the file' },
} as const satisfies FlagSpecs;

/** The flag of each adaptation key, for errors found in the config. */
export const ADAPT_FLAGS: Readonly<Partial<Record<keyof TrainConfig, keyof typeof adaptFlagSpecs>>> = { trainable: 'trainable', lora: 'lora', prompt: 'prompt', blackBox: 'black-box' };

/**
 * `--lora r=8,alpha=16,targets=<globs>` as LoRA options. Targets may hold commas (several
 * globs), so they come last or run until the next key. Throws UsageError for a missing
 * rank or targets, an unknown key, or a value that is not a number.
 */
export function parseLora(text: string): NonNullable<TrainConfig['lora']> {
  const fail = (why: string): never => {
    throw new UsageError(`--lora takes r=<rank>,alpha=<α>,targets=<globs> (alpha optional, default r); ${why}: '${text}'`);
  };
  const values: Record<string, string> = {};
  let last: string | undefined;
  for (const part of text.split(',')) {
    const m = /^(r|rank|alpha|targets)=(.*)$/.exec(part.trim());
    if (m) {
      last = m[1] === 'rank' ? 'r' : m[1]!;
      if (last in values) fail(`${last} is given twice`);
      values[last] = m[2]!;
    } else if (last === 'targets') values.targets += `,${part}`;
    else fail(`'${part}' is not r=, alpha= or targets=`);
  }
  if (values.r === undefined || values.targets === undefined) fail(values.r === undefined ? 'the rank r is missing' : 'targets are missing');
  const rank = Number(values.r);
  if (!/^\d+$/.test(values.r!) || rank < 1) fail(`the rank must be an integer >= 1, got '${values.r}'`);
  const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
  if (alpha !== undefined && (values.alpha!.trim() === '' || !(Number.isFinite(alpha) && alpha > 0))) fail(`alpha must be a positive number, got '${values.alpha}'`);
  return { rank, ...(alpha !== undefined && { alpha }), targets: values.targets! };
}

/** `--prompt <n>` (tokens), `tokens=<n>` or `border=<pixels>` as prompt options. Throws UsageError for anything else. */
export function parsePrompt(text: string): PromptOptions {
  const m = /^(?:(\d+)|tokens=(\d+)|border=(\d+))$/.exec(text.trim());
  if (!m || Number(m[1] ?? m[2] ?? 1) < 1) throw new UsageError(`--prompt takes <n> (n >= 1 prompt tokens) or border=<pixels> (a visual prompt; 0: every pixel); got '${text}'`);
  return m[3] !== undefined ? { border: Number(m[3]) } : { tokens: Number(m[1] ?? m[2]) };
}

/** The adaptation keys the flags set (those in `only`, when given). */
export function adaptConfig(flags: { readonly trainable?: string; readonly lora?: string; readonly prompt?: string; readonly 'black-box'?: boolean }, only?: ReadonlySet<string>): Partial<TrainConfig> {
  const given = (flag: keyof typeof adaptFlagSpecs) => flags[flag] !== undefined && (!only || only.has(flag));
  return {
    ...(given('trainable') && { trainable: flags.trainable! }),
    ...(given('lora') && { lora: parseLora(flags.lora!) }),
    ...(given('prompt') && { prompt: parsePrompt(flags.prompt!) }),
    ...(given('black-box') && flags['black-box'] && { blackBox: true }),
  };
}
