import { type Batch, batches } from '../data/batches.js';
import { type AnyDataset, subset } from '../data/dataset.js';
import { permutation } from '../data/permutation.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { createEstimator } from '../estimators/registry.js';
import type { Model } from '../nn/model.js';
import type { LossOracle } from '../objectives/loss-oracle.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import type { Objective } from '../objectives/objective.js';
import type { Seed } from '../rng/stream.js';
import { type SparsityPattern, checkPattern, maskedParams, parseSubnets } from '../sparse/masks.js';
import { type SerializedState, deserializeState } from '../state/state.js';
import type { Checkpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { exploreHook, parseExploreSpec } from './hooks/explore.js';
import { gradientCorrectionHook } from './hooks/gradient-correction.js';
import { SUBNETS_HOOK, type SubnetsState, subnetsHook } from './hooks/subnets.js';
import type { StepHook } from './step.js';
import { runStream } from './seeds.js';
import { ConfigError } from './validate.js';

/** Defaults of the sub-net keys (see TrainConfig). */
export const SUBNET_DEFAULTS = { maskEvery: 100, pruneUntil: 0.69 } as const;

/**
 * The training examples and the held-out ones (`holdout` of them, chosen by a seeded
 * permutation, never trained on); all of them are training examples without a holdout.
 */
export function splitHoldout<D extends AnyDataset>(train: D, config: Pick<TrainConfig, 'holdout' | 'seed'>): { readonly train: D; readonly holdout?: D } {
  const n = config.holdout;
  if (n === undefined) return { train };
  if (n >= train.size) throw new ConfigError('holdout', `holdout ${n} leaves no training example of ${train.size}`);
  const order = permutation(train.size, runStream(config.seed, 'holdout'));
  const held = order.subarray(0, n).slice().sort();
  const kept = order.subarray(n).slice().sort();
  return { train: subset(train, kept), holdout: subset(train, held, `${train.name}[holdout]`) };
}

export interface RunHooks {
  readonly hooks: readonly StepHook[];
  /** Releases what the hooks compiled (the regrowth estimator, the exploration oracle). */
  dispose(): Promise<void>;
}

export interface RunHookContext {
  readonly model: Model;
  readonly objective: Objective;
  readonly compile: CompileOptions;
  /** The run's seed (the hooks' streams are derived from it). */
  readonly seed: Seed;
  /** Steps in the plan (epochs × batches per epoch). */
  readonly plannedSteps: number;
  /** The held-out examples (exploration's scoring batch). */
  readonly holdout?: AnyDataset;
  /** Evaluate losses here instead of the model's program (a black box). */
  readonly oracle?: LossOracle;
}

/**
 * The step hooks a config asks for, in the order they act: the sub-nets (AST, or plain
 * sparse training with one pattern), the gradient correction between them (K > 1), and
 * the exploration around updates.
 * @throws ConfigError when a pattern does not fit the model (an N:M group size that does not divide an input axis).
 */
export function runHooks(config: TrainConfig, context: RunHookContext): RunHooks {
  const { model, objective, compile, plannedSteps } = context;
  const hooks: StepHook[] = [];
  const owned: { dispose(): Promise<void> }[] = [];
  if (config.subnets !== undefined) {
    const patterns = parseSubnets(config.subnets);
    const entries = configured('sparseParams', model, () => maskedParams(model.layout, config.sparseParams));
    configured('subnets', model, () => patterns.forEach((p) => checkPattern(p, entries)));
    // Regrowth wants |gradient| on pruned weights too: a dense estimate from the run's method, its own noise stream.
    const estimator = createEstimator(config.method, { objective, model, seed: runStream(config.seed, 'regrow'), compile, ...(context.oracle && { oracle: context.oracle }) }, config.options);
    owned.push(estimator);
    hooks.push(subnetsHook({
      layout: model.layout,
      patterns,
      ...(config.sparseParams !== undefined && { params: config.sparseParams }),
      totalSteps: plannedSteps,
      every: config.maskEvery ?? SUBNET_DEFAULTS.maskEvery,
      rampEnd: Math.round((config.pruneUntil ?? SUBNET_DEFAULTS.pruneUntil) * plannedSteps),
      gradient: async (params, batch, step) => {
        const { estimate } = await estimator.estimate(estimator.init(params), { params, batch, step });
        return { grad: estimate.grad ?? new Float32Array(params.length), queries: estimate.queries };
      },
    }));
    const mode = config.correction ?? 'plain';
    if (patterns.length > 1 && mode !== 'none') hooks.push(gradientCorrectionHook({ layout: model.layout, subnets: patterns.length, mode }));
  }
  if (config.explore !== undefined) {
    const spec = parseExploreSpec(config.explore);
    if (context.holdout === undefined) throw new ConfigError('holdout', 'exploration scores its candidates on held-out examples: give holdout');
    const oracle = context.oracle ?? new ModelLossOracle(model, objective, compile);
    if (context.oracle === undefined) owned.push(oracle);
    hooks.push(exploreHook({ oracle, batch: wholeBatch(context.holdout), every: spec.every, anchors: spec.anchors, search: spec.search }));
  }
  return { hooks, dispose: async () => void (await Promise.all(owned.map((o) => o.dispose()))) };
}

/** All of a (small) dataset as one batch, in order. */
export function wholeBatch(dataset: AnyDataset): Batch {
  return batches(dataset, { batchSize: dataset.size, shuffle: false }).next().value!;
}

/**
 * The sub-nets' masks in a checkpoint of a run with sub-nets, one per pattern.
 * @throws Error when the run trained no sub-nets or its masks are missing.
 */
export function checkpointMasks(checkpoint: Checkpoint, source: string): Float32Array[] {
  const config = checkpoint.config as unknown as TrainConfig;
  if (config.subnets === undefined) throw new Error(`${source} is a dense run (no --subnets)`);
  const saved: SerializedState | undefined = checkpoint.extras?.[`hook:${SUBNETS_HOOK}`];
  if (saved === undefined) throw new Error(`${source} holds no sub-net masks (hook:${SUBNETS_HOOK})`);
  const template: SubnetsState = { masks: parseSubnets(config.subnets).map(() => new Float32Array(checkpoint.params.length)) };
  return [...deserializeState(saved, template).masks];
}

/**
 * Sub-net k of a checkpoint: its mask and its pattern.
 * @throws RangeError for a dense run or k out of range (naming `source` and the sub-nets); Error when the masks are missing.
 */
export function checkpointSubnet(checkpoint: Checkpoint, k: number, source: string): { readonly mask: Float32Array; readonly pattern: SparsityPattern } {
  const config = checkpoint.config as unknown as TrainConfig;
  if (config.subnets === undefined) throw new RangeError(`${source} is a dense run (trained without --subnets)`);
  const patterns = parseSubnets(config.subnets);
  if (!(Number.isSafeInteger(k) && k >= 0 && k < patterns.length)) throw new RangeError(`the sub-net must be below ${patterns.length}, the sub-nets of ${source} (${config.subnets}); got ${k}`);
  return { mask: checkpointMasks(checkpoint, source)[k]!, pattern: patterns[k]! };
}

/** `check()`, its RangeError turned into a ConfigError on `field` naming the model. */
function configured<T>(field: keyof TrainConfig, model: Model, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError(field, `${e.message} (model ${model.spec})`);
    throw e;
  }
}
