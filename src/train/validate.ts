import { ALLOCATORS } from '../allocators/registry.js';
import type { Task } from '../data/dataset.js';
import { parseDatasetSpec } from '../data/load.js';
import { backend } from '../engine/runtime/backend.js';
import '../engine/runtime/compile.js';
import { OptionError, resolveOptions } from '../estimators/options.js';
import { ESTIMATORS, checkApplies, descriptor } from '../estimators/registry.js';
import { checkModelSpec } from '../nn/factories.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../optim/registry.js';
import { parseSubnets } from '../sparse/masks.js';
import type { TrainConfig } from './config.js';
import { checkAdaptation } from './validate-adapt.js';
import { CORRECTION_MODES } from './hooks/gradient-correction.js';
import { parseExploreSpec } from './hooks/explore.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

/** A config value that cannot work, found before anything is loaded; `field` names the config key. */
export class ConfigError extends RangeError {
  override readonly name = 'ConfigError';

  constructor(
    readonly field: keyof TrainConfig,
    message: string,
    /** For `options`: the method option at fault. */
    readonly option?: string,
  ) {
    super(message);
  }
}

/**
 * Checks everything about a run that the config alone decides, before any data is read:
 * names (method, objective, optimizer, schedule, allocator, device, dataset form), the
 * method's options against its descriptor, what the method supports (objective,
 * allocation), and every number's kind and range. Throws a ConfigError naming the key.
 */
export function validateConfig(config: TrainConfig): void {
  const fail = (field: keyof TrainConfig, message: string): never => {
    throw new ConfigError(field, message);
  };
  const wrap = (field: keyof TrainConfig, check: () => void) => {
    try {
      check();
    } catch (e) {
      fail(field, (e as Error).message);
    }
  };
  const integer = (field: keyof TrainConfig, min: number) => {
    const v = config[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(field, `${field} must be an integer from ${min} to 2^53, got ${String(v)}`);
  };
  const number = (field: keyof TrainConfig, min: number, strict = false) => {
    const v = config[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strict && v === min)) fail(field, `${field} must be a finite number ${strict ? '>' : '≥'} ${min}, got ${String(v)}`);
  };

  const task = ((): Task => {
    try {
      return parseDatasetSpec(config.dataset).task;
    } catch (e) {
      return fail('dataset', (e as Error).message);
    }
  })();
  wrap('model', () => checkModelSpec(config.model));
  wrap('method', () => descriptor(config.method));
  const method = descriptor(config.method);
  checkAdaptation(config, fail);
  try {
    // Resolved first: an optional call would skip evaluating its argument when there is no check.
    const resolved = resolveOptions(config.method, method.options, config.options);
    method.check?.(resolved);
  } catch (e) {
    throw new ConfigError('options', (e as Error).message, e instanceof OptionError ? e.option : undefined);
  }
  wrap('objective', () => checkApplies(method, objectiveFromSpec(config.objective).name));
  const regression = objectiveFromSpec(config.objective).target(1).dtype === 'float32';
  if (regression !== (task === 'regression')) {
    fail('objective', regression
      ? `objective '${config.objective}' takes float targets, and '${config.dataset}' is a classification dataset (a regression dataset: csv:<file>?task=regression&target=<column>)`
      : `objective '${config.objective}' takes class labels, and '${config.dataset}' is a regression dataset (use --objective mse)`);
  }
  if (config.classes !== undefined && task === 'regression') fail('classes', 'classes select classes of a classification dataset');
  if (config.normalize !== undefined && typeof config.normalize !== 'boolean') fail('normalize', `normalize must be true or false, got ${String(config.normalize)}`);
  // The built-in datasets' class counts are known without reading them.
  const known = ({ mnist: 10, 'fashion-mnist': 10, cifar10: 10 } as Record<string, number>)[parseDatasetSpec(config.dataset).kind];
  const past = config.classes?.find((c) => known !== undefined && c >= known);
  if (past !== undefined) fail('classes', `class ${past} is not a class of '${config.dataset}' (0 to ${known! - 1})`);
  integer('epochs', 1);
  integer('batchSize', 1);
  number('lr', 0);
  if (!OPTIMIZER_NAMES.includes(config.optimizer)) fail('optimizer', `optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}; got '${config.optimizer}'`);
  if (!SCHEDULE_NAMES.includes(config.schedule)) fail('schedule', `schedule must be one of ${SCHEDULE_NAMES.join(', ')}; got '${config.schedule}'`);
  integer('warmupSteps', 0);
  number('momentum', 0);
  number('weightDecay', 0);
  number('clip', 0);
  integer('seed', 0);
  integer('evalBatchSize', 1);
  if (config.classes !== undefined && (config.classes.length === 0 || config.classes.some((c) => !Number.isSafeInteger(c) || c < 0))) fail('classes', `classes must be a non-empty list of class indices, got [${config.classes.join(', ')}]`);
  if (config.allocator !== undefined) {
    if (!Object.hasOwn(ALLOCATORS, config.allocator)) fail('allocator', `allocator must be one of ${Object.keys(ALLOCATORS).join(', ')}; got '${config.allocator}'`);
    const allocation = method.allocation ?? fail('allocator', `method ${config.method} takes no query allocation; methods that do: ${allocating().join(', ')}`);
    if (config.queriesPerExample !== undefined && !(config.queriesPerExample >= allocation.unit && Number.isFinite(config.queriesPerExample))) {
      fail('queriesPerExample', `queries per example must be at least ${allocation.unit} for ${config.method}, got ${config.queriesPerExample}`);
    }
    if (config.allocatorStatistics !== undefined && !['running', 'fresh'].includes(config.allocatorStatistics)) fail('allocatorStatistics', `allocator statistics must be running or fresh, got '${String(config.allocatorStatistics)}'`);
  } else if (config.queriesPerExample !== undefined) {
    fail('queriesPerExample', 'queries per example sets an allocator\'s budget; give an allocator too');
  } else if (config.allocatorStatistics !== undefined) {
    fail('allocatorStatistics', 'allocator statistics say where an allocator reads its statistics; give an allocator too');
  }
  if (config.queries !== undefined) number('queries', 0, true);
  if (config.steps !== undefined) integer('steps', 1);
  if (config.seconds !== undefined) number('seconds', 0, true);
  if (config.threads !== undefined) {
    integer('threads', 1);
    if (config.threads > MAX_THREADS) fail('threads', `threads must be at most ${MAX_THREADS}, got ${config.threads}`);
  }
  validateSparsity(config, fail, wrap);
  if (config.holdout !== undefined) integer('holdout', 1);
  if (config.explore !== undefined) {
    wrap('explore', () => parseExploreSpec(config.explore!));
    if (config.holdout === undefined) fail('holdout', 'exploration scores its candidates on held-out examples: give holdout (e.g. 1000)');
    if (config.subnets !== undefined) fail('explore', 'exploration moves all of θ, so it does not combine with sparse sub-nets');
  }
  const devices = backend().devices();
  if (!devices.includes(config.device)) fail('device', `device must be one of ${devices.join(', ')} for ${backend().name}; got '${config.device}'`);
}

/** The sub-net keys: patterns, and settings that need them. */
function validateSparsity(config: TrainConfig, fail: (field: keyof TrainConfig, message: string) => never, wrap: (field: keyof TrainConfig, check: () => void) => void): void {
  if (config.subnets === undefined) {
    for (const key of ['correction', 'maskEvery', 'pruneUntil', 'sparseParams'] as const) if (config[key] !== undefined) fail(key, `${key} sets up sparse sub-nets; give subnets too`);
    return;
  }
  wrap('subnets', () => parseSubnets(config.subnets!));
  if (config.correction !== undefined && config.correction !== 'none' && !CORRECTION_MODES.includes(config.correction)) {
    fail('correction', `correction must be one of none, ${CORRECTION_MODES.join(', ')}; got '${config.correction}'`);
  }
  if (config.maskEvery !== undefined && !(Number.isSafeInteger(config.maskEvery) && config.maskEvery >= 1)) fail('maskEvery', `maskEvery must be an integer ≥ 1, got ${config.maskEvery}`);
  if (config.pruneUntil !== undefined && !(config.pruneUntil >= 0 && config.pruneUntil <= 1)) fail('pruneUntil', `pruneUntil must lie in [0, 1], got ${config.pruneUntil}`);
}

/** Methods that take a query allocation, from their descriptors. */
function allocating(): string[] {
  return Object.entries(ESTIMATORS).filter(([, d]) => d.allocation !== undefined).map(([name]) => name);
}
