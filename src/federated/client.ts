import { type Batch, batchCount, batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import type { Estimator } from '../estimators/estimator.js';
import { createEstimator } from '../estimators/registry.js';
import { type SurrogateState, surrogateHistory } from '../estimators/surrogate.js';
import type { LossOracle } from '../objectives/loss-oracle.js';
import { createOptimizer } from '../optim/registry.js';
import type { GradientTransformation } from '../optim/transform.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type State, deserializeState, serializeState } from '../state/state.js';
import { RandomFourierFeatures } from '../surrogate/random-features.js';
import { NonFiniteError, type Progress, type TrainState, estimateStep, runSteps } from '../train/step.js';
import { FEDERATED_ALGORITHMS, type FederatedAlgorithm, type FederatedConfig, LOCAL_DEFAULTS } from './algorithms.js';
import { type FederatedCorrectionState, federatedCorrectionHook } from './correction.js';
import type { ClientMessage, ClientReply } from './wire.js';

/** One client: where its losses come from and what its local steps iterate over. */
export interface ClientSpec {
  /** Its model's ModelLossOracle, a black box, or vectorOracle(f) for an objective of the vector itself. */
  readonly oracle: LossOracle;
  /** Its own data (vectorDataset() for a vector objective); local steps take its batches in a seeded order. */
  readonly data: AnyDataset;
  readonly batchSize: number;
  /** Root of its noise and data order (default: derived from the run seed and the client's index). */
  readonly seed?: Seed;
}

/** A client's state between rounds, plain data (checkpointed by the server through 'save' and 'load'). */
export type ClientState = {
  /** The local estimator's state: the surrogate's query history persists across rounds. */
  readonly estimator: State;
  readonly optimizer: State;
  /** Local steps and queries so far, and the position in its data. */
  readonly progress: { readonly epoch: number; readonly batch: number; readonly step: number; readonly updates: number; readonly queries: number };
  /** SCAFFOLD's own control variate c_i (length P; empty for the other algorithms). */
  readonly control: Float32Array;
  /** FZooS's own random-feature surrogate, as last sent (weights length M; empty for the other algorithms). */
  readonly model: { readonly weights: Float32Array; readonly offset: number };
  /** FZooS: x_i, where the last local round ended (its distance to x_r sets the exploration radius). */
  readonly last: Float32Array;
  /** 1 once control or model holds a value. */
  readonly reported: number;
};

/** Streams under the run seed. */
export const CLIENT_STREAM = 0x636c6e74; // 'clnt'
export const FEATURE_STREAM = 0x66656174; // 'feat'

/** The random features every party of a run builds from the run seed: identical, so weights mean the same everywhere. */
export function runFeatures(config: FederatedConfig, dimension: number): RandomFourierFeatures {
  return new RandomFourierFeatures({ dimension, features: config.features, lengthscale: config.featureLengthscale, seed: deriveSeed(config.seed, FEATURE_STREAM) });
}

/**
 * A federated client: its local steps are trainStep's (runSteps over its own data, with the
 * algorithm's local estimator, the correction as a step hook and its own optimiser), and
 * it answers the server's messages, (state, message) → (state, reply), with no other
 * memory (the estimator's GP cache aside, which a rebuild reproduces).
 * Throws RangeError when its oracle's dimension differs from the run's.
 */
export class FederatedClient {
  private readonly algorithm: FederatedAlgorithm;
  private readonly estimator: Estimator;
  private readonly localOptions: Readonly<Record<string, number | string | boolean>>;
  private readonly optimizer: GradientTransformation;
  private readonly seed: Seed;
  private randomFeatures?: RandomFourierFeatures;

  constructor(
    readonly index: number,
    private readonly spec: ClientSpec,
    private readonly config: FederatedConfig,
    readonly dimension: number,
    /** The run's random features, when the caller already built them (in-process clients share one copy). */
    features?: RandomFourierFeatures,
  ) {
    if (spec.oracle.dimension !== dimension) throw new RangeError(`client ${index}: its oracle takes ${spec.oracle.dimension} parameters, the run ${dimension}`);
    if (!Number.isSafeInteger(spec.batchSize) || spec.batchSize < 1) throw new RangeError(`client ${index}: batchSize must be a positive integer, got ${spec.batchSize}`);
    this.algorithm = FEDERATED_ALGORITHMS[config.algorithm];
    this.seed = spec.seed ?? deriveSeed(config.seed, CLIENT_STREAM, index);
    const local = this.algorithm.local;
    this.localOptions = { ...LOCAL_DEFAULTS[local], ...config.estimator };
    this.estimator = createEstimator(local, { oracle: spec.oracle, seed: this.seed }, this.localOptions);
    this.optimizer = createOptimizer(config.optimizer, { lr: config.lr });
    this.randomFeatures = features;
  }

  init(): ClientState {
    const params = new Float32Array(this.dimension);
    const corrected = this.algorithm.correction;
    const control = corrected === 'fresh-control' || corrected === 'average-control';
    return {
      estimator: this.estimator.init(params),
      optimizer: this.optimizer.init(params),
      progress: { epoch: 0, batch: 0, step: 0, updates: 0, queries: 0 },
      control: new Float32Array(control ? this.dimension : 0),
      model: { weights: new Float32Array(corrected === 'features' ? this.config.features : 0), offset: 0 },
      last: new Float32Array(corrected === 'features' ? this.dimension : 0),
      reported: 0,
    };
  }

  async handle(state: ClientState, message: ClientMessage): Promise<{ state: ClientState; reply: ClientReply }> {
    switch (message.kind) {
      case 'round':
        return this.round(state, message);
      case 'gradient':
        return this.gradient(state, message.params);
      case 'features':
        return this.explore(state, message.params);
      case 'loss':
        return this.loss(state, message.params);
      case 'save':
        return { state, reply: { kind: 'saved', state: serializeState(state) } };
      case 'load':
        // Restoring into a fresh state checks the structure (a checkpoint of another configuration is refused).
        return { state: deserializeState(message.state, this.init()), reply: { kind: 'loaded' } };
    }
  }

  async dispose(): Promise<void> {
    await this.estimator.dispose();
  }

  /** Local steps from x_{r−1}, then what the algorithm uploads. */
  private async round(state: ClientState, message: Extract<ClientMessage, { kind: 'round' }>): Promise<{ state: ClientState; reply: ClientReply }> {
    const hook = federatedCorrectionHook({
      correction: this.correction(state, message),
      weight: this.algorithm.correction === 'features' ? (t) => 1 / t : () => 1,
      sumEstimates: this.algorithm.correction === 'average-control',
    });
    const stepper = { estimator: this.estimator, optimizer: this.optimizer, hooks: [hook] };
    const params = this.checkParams(message.params);
    const reset = this.config.resetOptimizer;
    const start: TrainState = {
      params: params.slice(),
      optimizer: reset ? this.optimizer.init(params) : state.optimizer,
      estimator: state.estimator,
      allocator: {},
      hooks: { correction: hook.init(params) },
      progress: { ...state.progress, updates: reset ? 0 : state.progress.updates, seconds: 0 },
    };
    let last = start;
    let loss = Number.NaN;
    let done: TrainState;
    try {
      done = await runSteps(stepper, start, this.spec.data, {
        batchSize: this.spec.batchSize,
        seed: this.seed,
        steps: start.progress.step + message.steps,
        onStep: (s, estimate) => {
          last = s;
          loss = estimate.loss;
        },
      });
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      // The round is void; what the earlier steps learned (queries in the history) and spent stays, and the next round draws fresh noise.
      const queries = last.progress.queries - state.progress.queries + e.queries;
      return {
        state: { ...state, estimator: last.estimator, progress: { ...progressOf(last.progress), step: e.step + 1, queries: state.progress.queries + queries } },
        reply: { kind: 'dropped', reason: `local step ${e.step}: ${e.what}`, queries },
      };
    }
    const correction = done.hooks.correction as FederatedCorrectionState;
    const queries = done.progress.queries - state.progress.queries;
    let next: ClientState = { ...state, estimator: done.estimator, optimizer: done.optimizer, progress: progressOf(done.progress) };
    let control: Float32Array | undefined;
    if (this.algorithm.correction === 'average-control') {
      control = correction.sum.map((v) => v / Math.max(correction.t, 1));
      next = { ...next, control, reported: 1 };
    }
    if (this.algorithm.correction === 'features') next = { ...next, last: done.params.slice() };
    return {
      state: next,
      reply: { kind: 'round', params: done.params, loss, queries, correction: correction.t > 0 ? correction.norm / correction.t : 0, ...(control && { control }) },
    };
  }

  /** c(x) for this round, or null: none yet (round 1, or before this client has reported) or none at all (FedZO). */
  private correction(state: ClientState, message: Extract<ClientMessage, { kind: 'round' }>): ((x: Float32Array) => Float64Array) | null {
    switch (this.algorithm.correction) {
      case 'none':
        return null;
      case 'proximal': {
        const anchor = message.params;
        const mu = this.config.proximal;
        return (x) => Float64Array.from(x, (v, i) => mu * (v - anchor[i]!));
      }
      case 'fresh-control':
      case 'average-control': {
        if (message.control === undefined || state.reported === 0) return null;
        const c = Float64Array.from(this.checkParams(message.control, 'control'), (v, i) => v - state.control[i]!);
        return () => c;
      }
      case 'features': {
        if (message.model === undefined || state.reported === 0) return null;
        const features = this.runFeatures();
        const global = { weights: Float64Array.from(message.model.weights), offset: message.model.offset };
        const own = { weights: Float64Array.from(state.model.weights), offset: state.model.offset };
        return (x) => {
          const at = Float64Array.from(x);
          const g = features.gradient(global, at);
          const l = features.gradient(own, at);
          return g.map((v, i) => v - l[i]!);
        };
      }
    }
  }

  /**
   * FZooS's code before each round from the second: query x_{r−1} and the `featureQueries`
   * candidates of largest gradient uncertainty among `featureCandidates` drawn within
   * mean|x_{r−1} − x_i|/2 of it (one step of the surrogate estimator with those active queries),
   * then fit least-squares random-feature weights on the `featureNeighbours` queries nearest to
   * x_{r−1}, in the targets' units, float32 on the wire.
   */
  private async explore(state: ClientState, params: Float32Array): Promise<{ state: ClientState; reply: ClientReply }> {
    const x = this.checkParams(params);
    const moved = state.last.reduce((s, v, i) => s + Math.abs(x[i]! - v), 0) / (2 * this.dimension);
    const radius = moved > 0 && state.progress.step > 0 ? moved : Number(this.localOptions.radius);
    const explorer = createEstimator('surrogate', { oracle: this.spec.oracle, seed: this.seed }, { ...this.localOptions, virtualSteps: 1, activeQueries: this.config.featureQueries, candidates: this.config.featureCandidates, radius });
    const measured = await this.measure(state, x, explorer);
    await explorer.dispose();
    if (measured.reply) return { state: measured.state, reply: measured.reply };
    const nearest = surrogateHistory(measured.state.estimator as SurrogateState).nearest(Float64Array.from(x), this.config.featureNeighbours);
    const fit = this.runFeatures().fit(
      nearest.map((q) => q.x),
      nearest.map((q) => q.y),
      { onWarning: null },
    );
    const model = { weights: Float32Array.from(fit.weights), offset: fit.offset };
    return { state: { ...measured.state, model, reported: 1 }, reply: { kind: 'features', model, queries: measured.queries } };
  }

  /** SCAFFOLD I: a fresh local estimate at x, kept as this round's c_i. */
  private async gradient(state: ClientState, params: Float32Array): Promise<{ state: ClientState; reply: ClientReply }> {
    const measured = await this.measure(state, this.checkParams(params), this.estimator);
    if (measured.reply) return { state: measured.state, reply: measured.reply };
    return { state: { ...measured.state, control: measured.grad.slice(), reported: 1 }, reply: { kind: 'gradient', grad: measured.grad, queries: measured.queries } };
  }

  /**
   * One estimate at x on the next batch, outside the local steps (SCAFFOLD I's control
   * variate, FZooS's exploration): it takes a step index (fresh noise) and the batch, and its
   * queries count. A NaN or infinite result gives the 'dropped' reply to send.
   */
  private async measure(state: ClientState, x: Float32Array, estimator: Estimator): Promise<{ state: ClientState; grad: Float32Array; queries: number; reply?: ClientReply }> {
    const progress = this.atBatch(state.progress);
    const train: TrainState = { params: x.slice(), optimizer: state.optimizer, estimator: state.estimator, allocator: {}, hooks: {}, progress: { ...progress, seconds: 0 } };
    const { state: after, estimate } = await estimateStep({ estimator, optimizer: this.optimizer }, train, this.batchAt(progress));
    const spent = { ...progress, step: progress.step + 1, batch: progress.batch + 1, queries: progress.queries + estimate.queries };
    const grad = estimate.grad ?? new Float32Array(0);
    if (!Number.isFinite(estimate.loss) || !estimate.grad || !grad.every(Number.isFinite)) {
      return { state: { ...state, progress: spent }, grad, queries: estimate.queries, reply: { kind: 'dropped', reason: `the estimate at step ${progress.step} outside the local steps: the loss is ${estimate.loss}`, queries: estimate.queries } };
    }
    return { state: { ...state, estimator: after.estimator, progress: spent }, grad, queries: estimate.queries };
  }

  /** f_i(x): the mean loss over the client's data at x (one query per example). */
  private async loss(state: ClientState, params: Float32Array): Promise<{ state: ClientState; reply: ClientReply }> {
    const x = this.checkParams(params);
    let sum = 0;
    let queries = 0;
    for (const batch of batches(this.spec.data, { batchSize: this.spec.batchSize, shuffle: false })) {
      const result = await this.spec.oracle.evaluate({ params: x, batch, perturbation: { kind: 'offsets', offsets: new Float32Array(this.dimension), copies: 1 } });
      sum += result.losses.reduce((s, v) => s + v, 0);
      queries += result.queries;
    }
    return { state: { ...state, progress: { ...state.progress, queries: state.progress.queries + queries } }, reply: { kind: 'loss', loss: sum / this.spec.data.size, queries } };
  }

  private runFeatures(): RandomFourierFeatures {
    this.randomFeatures ??= runFeatures(this.config, this.dimension);
    return this.randomFeatures;
  }

  /** The progress moved past a finished epoch, so that (epoch, batch) names a batch that exists. */
  private atBatch(progress: ClientState['progress']): ClientState['progress'] {
    return progress.batch < batchCount(this.spec.data.size, this.spec.batchSize) ? progress : { ...progress, epoch: progress.epoch + 1, batch: 0 };
  }

  private batchAt({ epoch, batch }: ClientState['progress']): Batch {
    return batches(this.spec.data, { batchSize: this.spec.batchSize, seed: this.seed, epoch, startBatch: batch }).next().value!;
  }

  private checkParams(params: Float32Array, name = 'params'): Float32Array {
    if (!(params instanceof Float32Array) || params.length !== this.dimension) throw new RangeError(`client ${this.index}: ${name} must be a Float32Array of length ${this.dimension}`);
    return params;
  }
}

/** A TrainState's progress as the client keeps it (its wall time aside: a state replays bit for bit). */
function progressOf(p: Progress): ClientState['progress'] {
  return { epoch: p.epoch, batch: p.batch, step: p.step, updates: p.updates, queries: p.queries };
}
