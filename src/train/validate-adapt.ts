import { ESTIMATORS, descriptor } from '../estimators/registry.js';
import { globPatterns } from '../nn/glob.js';
import type { TrainConfig } from './config.js';

/** The adaptation keys of a config: what to train of an imported model, and how it runs. */
export const ADAPT_KEYS = ['trainable', 'lora', 'prompt', 'blackBox'] as const satisfies readonly (keyof TrainConfig)[];

const WHAT: Readonly<Record<(typeof ADAPT_KEYS)[number], string>> = { trainable: 'trainable globs', lora: 'LoRA adapters', prompt: 'prompts', blackBox: 'black-box mode' };

/** Methods that need only losses, from their descriptors: the ones that train a black box. */
export function lossOnlyMethods(): string[] {
  return Object.entries(ESTIMATORS).filter(([, d]) => d.needs === 'losses').map(([name]) => name);
}

/**
 * Checks the adaptation keys (trainable, lora, prompt, blackBox) as far as the config
 * alone decides: they need an imported model (onnx:<file>); globs are non-empty; LoRA's
 * rank is an integer ≥ 1, its α positive; a prompt is n ≥ 1 tokens or a border ≥ 0;
 * black-box mode takes loss-only methods, no LoRA, no prompt tokens, no sub-nets and no
 * exploration. Whether globs
 * match and targets are matrices is checked when the file is loaded. Calls `fail` with
 * the key at fault.
 */
export function checkAdaptation(config: TrainConfig, fail: (field: keyof TrainConfig, message: string) => never): void {
  const given = ADAPT_KEYS.filter((key) => config[key] !== undefined && config[key] !== false);
  if (given.length === 0) return;
  if (!config.model.startsWith('onnx:')) fail(given[0]!, `${given.map((key) => WHAT[key]).join(', ')} apply to imported models (onnx:<file>), not '${config.model}'`);
  const globs = (field: keyof TrainConfig, value: string) => {
    try {
      globPatterns(value);
    } catch (e) {
      fail(field, (e as Error).message);
    }
  };
  if (config.trainable !== undefined) globs('trainable', config.trainable);
  const { lora, prompt } = config;
  if (lora !== undefined) {
    if (!Number.isSafeInteger(lora.rank) || lora.rank < 1) fail('lora', `LoRA rank must be an integer >= 1, got ${lora.rank}`);
    if (lora.alpha !== undefined && !(Number.isFinite(lora.alpha) && lora.alpha > 0)) fail('lora', `LoRA alpha must be a positive number, got ${lora.alpha}`);
    globs('lora', lora.targets);
  }
  if (prompt !== undefined) {
    if (prompt.tokens !== undefined && prompt.border !== undefined) fail('prompt', 'a prompt is either tokens or a visual prompt with a border, not both');
    if (prompt.tokens !== undefined && !(Number.isSafeInteger(prompt.tokens) && prompt.tokens >= 1)) fail('prompt', `prompt tokens must be an integer >= 1, got ${prompt.tokens}`);
    if (prompt.border !== undefined && !(Number.isSafeInteger(prompt.border) && prompt.border >= 0)) fail('prompt', `prompt border must be an integer >= 0, got ${prompt.border}`);
  }
  if (config.blackBox) {
    if (descriptor(config.method).needs !== 'losses') fail('method', `method ${config.method} needs the model graph; a black box gives outputs only: use a loss-only method (${lossOnlyMethods().join(', ')})`);
    if (lora !== undefined) fail('lora', 'LoRA needs the model graph; a black box trains its initializers (--trainable) and input prompts only');
    if (prompt?.tokens !== undefined) fail('prompt', 'prompt tokens need the model graph; a black box takes a visual prompt only (border=<pixels>)');
    if (config.subnets !== undefined) fail('subnets', 'sub-nets need the model graph; a black box trains dense');
    if (config.explore !== undefined) fail('explore', 'exploration needs the model graph; a black box trains without it');
  }
}
