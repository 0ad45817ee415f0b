import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, constant } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { reshape } from '../engine/ops/reshape.js';
import { selectByGlobs } from './glob.js';
import { type LoraOptions, type LoraTarget, type MatrixLayouts, loraDelta, loraParams, loraTarget, mergeLora } from './lora.js';
import type { Model } from './model.js';
import { type BuildContext, type Module, type ParamDecl, allParams } from './module.js';
import { PretrainedModel } from './pretrained.js';
import { PROMPT, type VisualPromptOptions, hasPromptTokens, visualPrompt } from './prompt.js';

export interface PromptOptions extends VisualPromptOptions {
  /** Learnable prompt tokens inserted after the patch embedding (token models); absent: a visual prompt on the input. */
  readonly tokens?: number;
}

/** An adaptation that cannot be made; `option` names the option at fault. */
export class AdaptError extends RangeError {
  override readonly name = 'AdaptError';

  constructor(
    readonly option: keyof AdaptOptions,
    message: string,
  ) {
    super(message);
  }
}

/** Runs `check`, turning its RangeError into an AdaptError for `option`. */
export function blame<T>(option: keyof AdaptOptions, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw e instanceof RangeError && !(e instanceof AdaptError) ? new AdaptError(option, e.message) : e;
  }
}

/** What to train of a pretrained model. */
export interface AdaptOptions {
  /** Globs of the base model's parameters to train (default: all of them, or none when `lora` or `prompt` is given). */
  readonly trainable?: string | readonly string[];
  /** Low-rank adapters on chosen matrix weights (Hu et al. 2021). */
  readonly lora?: LoraOptions;
  /** Prompt tuning: tokens for token models, an additive input prompt for images. */
  readonly prompt?: PromptOptions;
}

/**
 * A module that builds `inner` with some of its parameters replaced: frozen ones by
 * constants, LoRA targets by W + (α/r) B A, and an optional map of the input (a visual
 * prompt). It is a model's root, so the names it resolves are full names.
 */
class Adapted implements Module {
  readonly kind = 'adapted';

  constructor(
    readonly inner: Module,
    private readonly own: readonly ParamDecl[],
    private readonly resolve: (ctx: BuildContext, name: string) => Tensor | undefined,
    private readonly input?: (ctx: BuildContext, x: Tensor) => Tensor,
  ) {}

  params(): readonly ParamDecl[] {
    return this.own;
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const view = (prefix: string): BuildContext => ({
      lead: ctx.lead,
      param: (name) => this.resolve(ctx, `${prefix}${name}`) ?? ctx.param(`${prefix}${name}`),
      activity: (z, mask, slots) => ctx.activity(z, mask, slots),
      endBlock: (output, layout) => ctx.endBlock(output, layout),
      child: (name) => view(`${prefix}${name}.`),
    });
    return this.inner.apply(view(''), this.input ? this.input(ctx, x) : x);
  }
}

/** A base model adapted for fine-tuning: only its trainable vector is θ. */
export class AdaptedModel extends PretrainedModel {
  constructor(
    net: Module,
    readonly base: Model,
    /** The base model's parameters the adaptation started from. */
    readonly baseParams: Float32Array,
    values: ReadonlyMap<string, Float32Array>,
    readonly lora: { readonly targets: readonly LoraTarget[]; readonly rank: number; readonly scale: number } | undefined,
    readonly prompted: boolean,
  ) {
    super(net, base.inputShape, base.outputs, base.spec, values);
  }

  /**
   * The base model's parameter vector after training: trained parameters put back and
   * each LoRA update merged into its weight (W + (α/r) B A), so the base model (or its
   * export) computes what the adapted one does. Throws Error for prompt-tuned models,
   * whose prompt is no parameter of the base.
   */
  merge(theta: Float32Array): Float32Array {
    this.layout.check(theta);
    if (this.prompted) throw new Error('a prompt cannot be merged into the base model: export the adapted model itself');
    const merged = Float32Array.from(this.baseParams);
    for (const entry of this.layout.entries) {
      if (this.base.layout.entries.some((e) => e.name === entry.name)) merged.set(this.layout.view(theta, entry.name), this.base.layout.get(entry.name).offset);
    }
    for (const t of this.lora?.targets ?? []) {
      const w = this.base.layout.view(this.baseParams, t.name);
      const updated = mergeLora(t, w, this.layout.view(theta, t.a), this.layout.view(theta, t.b), this.lora!.rank, this.lora!.scale);
      merged.set(updated, this.base.layout.get(t.name).offset);
    }
    return merged;
  }

  override describe(): string {
    const frozen = this.base.layout.size - this.layout.entries.filter((e) => this.base.layout.entries.some((b) => b.name === e.name)).reduce((n, e) => n + e.size, 0);
    return `${super.describe()}\n  (${frozen.toLocaleString('en-US')} base parameters frozen)`;
  }
}

function isMatrixLayouts(module: Module): module is Module & MatrixLayouts {
  return typeof (module as Partial<MatrixLayouts>).matrixLayout === 'function';
}

/** LoRA targets chosen by glob: matrices only, laid out as the module uses them (nn's own layers: [in, out]). */
function loraTargets(model: Model, options: LoraOptions): LoraTarget[] {
  const names = model.layout.entries.map((e) => e.name);
  return selectByGlobs(names, options.targets, 'LoRA target glob').map((name) => {
    const { shape } = model.layout.get(name);
    if (shape.length !== 2) throw new RangeError(`LoRA target '${name}' of '${model.spec}' is not a matrix: it has shape [${shape.join(', ')}]`);
    const layout = isMatrixLayouts(model.net) ? model.net.matrixLayout(name) : 'in-out';
    if (layout === undefined) throw new RangeError(`LoRA target '${name}' of '${model.spec}' is not the weight of a MatMul or Gemm`);
    return loraTarget(name, shape, layout);
  });
}

/**
 * Adapts a pretrained model (parameters `theta`) for fine-tuning, as a new model whose
 * θ holds only what is trained: base parameters chosen by glob (the rest become graph
 * constants), LoRA factors on chosen matrix weights (W' = W + (α/r) B A, Hu et al.
 * 2021), and/or a prompt (learnable tokens after the patch embedding, VPT, Jia et al.
 * 2022; or an additive input perturbation, visual prompting, Bahng et al. 2022).
 * Estimators see only the adapted model. Throws AdaptError (a RangeError naming the
 * option) for a glob matching no parameter, a LoRA target that is not a matrix weight,
 * a rank < 1, or prompt tokens on a model without a token sequence.
 */
export function adapt(model: Model, theta: Float32Array, options: AdaptOptions): AdaptedModel {
  model.layout.check(theta, 'base parameters');
  const names = model.layout.entries.map((e) => e.name);
  const { lora, prompt } = options;
  if (lora && !(Number.isInteger(lora.rank) && lora.rank >= 1)) throw new AdaptError('lora', `LoRA rank must be an integer >= 1, got ${lora.rank}`);
  const targets = lora ? blame('lora', () => loraTargets(model, lora)) : [];
  const trainable = options.trainable !== undefined ? blame('trainable', () => selectByGlobs(names, options.trainable!, 'trainable glob')) : lora || prompt ? [] : names;
  const both = targets.find((t) => trainable.includes(t.name));
  if (both) throw new AdaptError('lora', `'${both.name}' is both a LoRA target and trainable; train its adapters or the weight, not both`);

  let inner = model.net;
  let input: ((ctx: BuildContext, x: Tensor) => Tensor) | undefined;
  const added: ParamDecl[] = [];
  if (prompt?.tokens !== undefined) {
    if (!(Number.isInteger(prompt.tokens) && prompt.tokens >= 1)) throw new AdaptError('prompt', `prompt tokens must be an integer >= 1, got ${prompt.tokens}`);
    const net = model.net;
    if (!hasPromptTokens(net)) throw new AdaptError('prompt', `model '${model.spec}' has no token sequence for prompt tokens; use a visual prompt (no tokens) instead`);
    inner = blame('prompt', () => net.withPromptTokens(prompt.tokens!));
    added.push(...allParams(inner).filter((p) => !names.includes(p.name)));
  } else if (prompt) {
    const visual = blame('prompt', () => visualPrompt(model.inputShape, prompt));
    added.push(visual.param);
    input = visual.apply;
  }
  if (added.some((p) => names.includes(p.name))) throw new AdaptError('prompt', `model '${model.spec}' already has a parameter named '${PROMPT}'`);

  const scale = lora ? (lora.alpha ?? lora.rank) / lora.rank : 1;
  const byTarget = new Map(targets.map((t) => [t.name, t]));
  const kept = new Set([...trainable, ...added.map((p) => p.name)]);
  const constants = new Map<string, Tensor>();
  const frozen = (name: string, lead: number): Tensor => {
    let c = constants.get(name);
    if (c === undefined) {
      const entry = model.layout.get(name);
      c = constant(new HostTensor('float32', entry.shape, model.layout.view(theta, name).slice()));
      constants.set(name, c);
    }
    // One copy axis of size 1 broadcasts against the K copies of the trained parameters.
    return lead === 0 ? c : reshape(c, [...new Array<number>(lead).fill(1), ...c.shape]);
  };
  const resolve = (ctx: BuildContext, name: string): Tensor | undefined => {
    const target = byTarget.get(name);
    if (target) return add(frozen(name, ctx.lead), loraDelta(ctx, target, scale));
    return kept.has(name) ? undefined : frozen(name, ctx.lead);
  };
  const own = [...model.layout.entries.filter((e) => trainable.includes(e.name)).map(({ offset: _o, size: _s, ...decl }) => decl), ...targets.flatMap((t) => loraParams(t, lora!.rank)), ...added];
  const values = new Map(trainable.map((name) => [name, model.layout.view(theta, name).slice()]));
  const net = new Adapted(inner, own, resolve, input);
  return new AdaptedModel(net, model, theta.slice(), values, lora ? { targets, rank: lora.rank, scale } : undefined, prompt !== undefined);
}
