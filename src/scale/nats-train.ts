import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { batchCount } from '../data/batches.js';
import { backend } from '../engine/runtime/backend.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import type { TrainConfig } from '../train/config.js';
import type { StepHook } from '../train/step.js';
import { splitHoldout } from '../train/run-hooks.js';
import { CHECKPOINT_FILE, type Summary, type TrainOptions, train, trainingData } from '../train/trainer.js';
import { RunChannel } from './channel.js';
import type { Head } from './messages.js';
import { type CoordinatorStats, NatsLossOracle, type NatsOracleOptions } from './nats-oracle.js';

/**
 * Training coordinated over NATS: `train()` as always, its loss oracle a NatsLossOracle
 * whose tasks the run's workers answer, and a step hook that records each update for the
 * workers' replicas of θ. θ is replayed (keys and weights per step) when the run has no
 * hooks that change θ or the estimate (sub-nets, corrections, exploration): then every
 * optimiser replays, SGD with θ alone and momentum or Adam with their state on each
 * worker; otherwise θ goes out as dense snapshots when it changed. A resumed run starts a
 * new session from the checkpoint's θ and optimiser state.
 */

export interface NatsTrainOptions {
  readonly nc: NatsConnection;
  /** The run's name on the server (workers join it by name). */
  readonly run: string;
  readonly timeout?: number;
  readonly deadline?: number;
  /** Called when the workers or the server were lost for a request: the run should stop at the step's end (its checkpoint is written). */
  readonly onLost?: (reason: string) => void;
  /**
   * How tasks carry their batch: 'indices' (workers load the run's data by name and check
   * its hash) or 'inline' (the feeds themselves, B × the example's size × 4 bytes a task:
   * for workers without the data, such as browser pages). Default: 'inline' when this
   * process runs onnxruntime-web (its workers are pages), 'indices' otherwise.
   */
  readonly batches?: 'indices' | 'inline';
}

/** The runtime of browser workers: a coordinator running it sends batches inline. */
export const WEB_RUNTIME = 'onnxruntime-web';

/** The name of the step hook that records updates (its state is empty). */
export const NATS_HOOK = 'nats';

/**
 * The configuration a coordinator runs: one intra-op thread unless it says so. NATS
 * workers evaluate with one thread each, and onnxruntime's sums depend on the thread
 * count, so the coordinator's own programs (evaluation, the step of a lost worker) must
 * run on one too for the run to equal a one-process `--threads 1` run bit for bit.
 * (onnxruntime-web sets its threads for the process, not per session: left as it is.)
 * @throws RangeError when `config.threads` is not 1.
 */
export function coordinatorConfig(config: TrainConfig): TrainConfig {
  if (threadsFor({}) === undefined) return config;
  if (config.threads !== undefined && config.threads !== 1) throw new RangeError(`threads ${config.threads} over NATS: the workers evaluate with one intra-op thread each, and the coordinator must compute what they do (give a worker more parts at once with forwardprop worker --threads)`);
  return config.threads === undefined ? { ...config, threads: 1 } : config;
}

/** Trains `config` (with coordinatorConfig's threads) with its queries answered by the run's workers; returns the summary and what the coordinator saw. */
export async function trainOverNats(given: TrainConfig, options: TrainOptions, nats: NatsTrainOptions): Promise<{ summary: Summary; stats: CoordinatorStats | undefined }> {
  const config = coordinatorConfig(given);
  const channel = await RunChannel.create(nats.nc, nats.run);
  const data = splitHoldout((await trainingData(config)).train, config).train;
  const replayable = config.subnets === undefined && config.explore === undefined && (options.hooks ?? []).length === 0;
  const replay: Head['replay'] = replayable
    ? { optimizer: config.optimizer, lr: config.lr, schedule: config.schedule, warmupSteps: config.warmupSteps, momentum: config.momentum, weightDecay: config.weightDecay, clip: config.clip, plannedSteps: config.epochs * batchCount(data.size, config.batchSize) }
    : undefined;
  const resumed = options.resume && options.out ? await loadCheckpoint(join(options.out, CHECKPOINT_FILE)) : undefined;
  const inline = (nats.batches ?? (backend().name === WEB_RUNTIME ? 'inline' : 'indices')) === 'inline';
  const compile = { device: config.device, ...(config.threads !== undefined && { threads: config.threads }) };
  let oracle: NatsLossOracle | undefined;
  const oracleOptions = (fallback: ModelLossOracle): NatsOracleOptions => ({
    ...(nats.timeout !== undefined && { timeout: nats.timeout }),
    ...(nats.deadline !== undefined && { deadline: nats.deadline }),
    ...(!inline && { data: { spec: { dataset: config.dataset, seed: config.seed, ...(config.classes && { classes: [...config.classes] }), ...(config.holdout !== undefined && { holdout: config.holdout }) }, dataset: data } }),
    ...(replay && { replay }),
    ...(resumed && { optimizerState: resumed.optimizer }),
    fallback,
    ...(nats.onLost && { onLost: nats.onLost }),
    ...(options.log && { log: options.log }),
  });
  const record: StepHook = {
    name: NATS_HOOK,
    init: () => ({}),
    async afterUpdate(state, context) {
      const samples = context.update?.estimate.samples;
      await oracle?.recordUpdate(samples?.kind === 'directions' ? samples : undefined, context.update?.updates ?? 0);
      return { state, queries: 0 };
    },
  };
  const summary = await train(config, {
    ...options,
    oracle: (model, objective) => (oracle = new NatsLossOracle(channel, model, objective, oracleOptions(new ModelLossOracle(model, objective, compile)))),
    hooks: [...(options.hooks ?? []), record],
  });
  return { summary, stats: oracle?.stats };
}
