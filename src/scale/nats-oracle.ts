import { type AnyDataset } from '../data/dataset.js';
import { backend } from '../engine/runtime/backend.js';
import type { DirectionSamples } from '../estimators/estimator.js';
import { directionWeights } from '../estimators/spsa.js';
import type { Model } from '../nn/model.js';
import { type CallsResult, type CopyCall, assembleCalls, callRows, planCalls, slotsPerCopy } from '../objectives/copy-calls.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest } from '../objectives/loss-oracle.js';
import type { Objective } from '../objectives/objective.js';
import { batchFeeds } from '../objectives/program-inputs.js';
import type { SerializedState } from '../state/state.js';
import type { RunChannel } from './channel.js';
import { copyProgramKey } from './executor.js';
import { type Head, PROTOCOL, RejectedMessage, type RejectionCounts, type Task, decode, encode, rejectionCounts, replySchema } from './messages.js';
import { ProgramCatalog, datasetHash, sha256 } from './programs.js';

/**
 * The coordinator's loss oracle on a NATS server: each request's engine calls go out as
 * tasks to the run's queue group of workers — keys, indices and θ's version, never θ —
 * and per-example losses come back, put together bit for bit as one process would have
 * computed them. θ reaches the workers as a snapshot when the session starts, then as
 * update records (`recordUpdate`: a step's key and K weights, replayed by each worker's
 * ThetaReplica) or, when θ changed some other way, as a dense snapshot.
 *
 * Faults: a task unanswered within `timeout` (a worker killed, a lost message), refused
 * (busy, behind, another model or runtime) or answered with a malformed, oversized or
 * replayed reply is re-issued, to whichever worker of the group takes it; a reply is only
 * accepted from a worker whose θ had the task's hash, so the result never depends on who
 * answered. When no answer comes within `deadline` (no workers, or the server gone that
 * long), the request is evaluated by `fallback` if there is one and `onLost` is told, so
 * that the run can stop at the step's end with its checkpoint; otherwise it throws.
 */

export interface NatsOracleOptions {
  /** Milliseconds an attempt waits for its reply (default 30,000). */
  readonly timeout?: number;
  /** Milliseconds a part may take over all its attempts (default 120,000). */
  readonly deadline?: number;
  /** Largest reply accepted, in bytes (default: the server's max_payload). */
  readonly limit?: number;
  /** Batches by dataset index: the run's training split (workers load it by `spec` and check its hash). */
  readonly data?: { readonly spec: Omit<NonNullable<Head['data']>, 'hash'>; readonly dataset: AnyDataset };
  /** Replay updates with this optimiser (the run's, see runOptimizer); without it θ travels as dense snapshots. */
  readonly replay?: Head['replay'];
  /** The optimiser's state θ resumes with (a checkpoint's); absent: fresh (init). */
  readonly optimizerState?: SerializedState;
  /** Evaluates a request when the workers cannot (then `onLost` is called). */
  readonly fallback?: LossOracle;
  /** Told once, with the reason, when a request had to be evaluated by `fallback`. */
  readonly onLost?: (reason: string) => void;
  readonly log?: (line: string) => void;
}

/** What the coordinator saw: tasks, attempts and why attempts failed. */
export interface CoordinatorStats extends RejectionCounts {
  tasks: number;
  attempts: number;
  timeouts: number;
  busy: number;
  /** Attempts refused by workers, by reason (busy apart). */
  refused: Record<string, number>;
  /** Replies from workers of another protocol, model or runtime. */
  foreign: number;
  dense: number;
  replayed_updates: number;
  /** Requests evaluated by the fallback. */
  fallback: number;
  /** Parts accepted, by the name of the worker that answered. */
  workers: Record<string, number>;
}

interface SessionState {
  readonly id: string;
  version: number;
  /** θ's hash at `version`, as the coordinator last saw it. */
  hash: string;
  /** Whether update records replay the optimiser (false after the first dense update). */
  replaying: boolean;
  /** An update record since the last request: θ may change without a dense snapshot. */
  recorded: boolean;
}

export class NatsLossOracle implements LossOracle {
  readonly dimension: number;
  readonly stats: CoordinatorStats = { tasks: 0, attempts: 0, timeouts: 0, busy: 0, refused: {}, foreign: 0, dense: 0, replayed_updates: 0, fallback: 0, workers: {}, ...rejectionCounts() };
  readonly catalog: ProgramCatalog;
  private readonly runtime = backend().name;
  private session: SessionState | undefined;
  private starting: Promise<SessionState> | undefined;
  private readonly uploaded = new Map<string, Promise<void>>();
  private tasks = 0;
  private lost = false;

  constructor(
    readonly channel: RunChannel,
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: NatsOracleOptions = {},
  ) {
    this.dimension = model.layout.size;
    this.catalog = new ProgramCatalog(model, objective);
  }

  private get limit(): number {
    return this.options.limit ?? this.channel.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** Whether update records are replayed this session (false once θ went dense). */
  get replaying(): boolean {
    return this.session?.replaying ?? this.options.replay !== undefined;
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const feeds = batchFeeds(this.model, this.objective, request.batch);
    try {
      return await this.distribute(request, feeds);
    } catch (e) {
      // Past validation, every failure is the broker's or the workers' (gone, silent, refusing).
      if (!this.options.fallback) throw e;
      this.stats.fallback++;
      if (!this.lost) this.options.onLost?.(e instanceof Error ? e.message : String(e));
      this.lost = true;
      return this.options.fallback.evaluate(request);
    }
  }

  private async distribute(request: LossRequest, feeds: ReturnType<typeof batchFeeds>): Promise<LossResult> {
    const session = await this.start(request.params);
    const hash = await sha256(request.params);
    if (hash !== session.hash && !session.recorded) await this.dense(session, request.params, hash);
    session.hash = hash;
    session.recorded = false;
    const calls = planCalls(request, this.dimension);
    const slotted = request.slots !== undefined;
    const programs: Record<string, string> = {};
    for (const rows of new Set(calls.map((c) => callRows(c, slotted)))) programs[copyProgramKey(rows, slotted)] = await this.upload(rows, slotted);
    const batch = this.options.data && request.batch.indices ? { indices: request.batch.indices } : { x: { shape: [...feeds.x.shape], data: feeds.x.data }, y: { dtype: feeds.y.dtype as 'int64' | 'float32', shape: [...feeds.y.shape], data: feeds.y.data as Float32Array | BigInt64Array } };
    const p = request.perturbation;
    const base = {
      kind: 'task' as const,
      protocol: PROTOCOL,
      session: session.id,
      model: await this.catalog.modelHash(),
      runtime: this.runtime,
      theta: { version: session.version, hash },
      perturbation: p.kind === 'noise' ? { ...p, key: BigInt(p.key) } : p,
      ...(request.slots && { slots: request.slots }),
      ...(request.directionsPerCall !== undefined && { directionsPerCall: request.directionsPerCall }),
      ...(request.copyBytes !== undefined && { copyBytes: request.copyBytes }),
      batch,
      programs,
    };
    const m = slotsPerCopy(request);
    // One task per engine call: the parts a queue group spreads over its workers.
    const results = await Promise.all(calls.map((call, i) => this.issue({ ...base, id: `${session.id}/${this.tasks++}`, attempt: 1, from: i, to: i + 1 }, [call], m)));
    return assembleCalls(request, results.map((result, i) => ({ calls: [calls[i]!], result })));
  }

  /**
   * Publishes the update a step applied, for the workers' replicas: the estimate's key and
   * K weights and the optimiser's step count. An estimate that is not a sum of unmasked
   * noise directions ends the replay (the next request sends θ dense).
   */
  async recordUpdate(samples: DirectionSamples | undefined, updates: number): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    if (!session.replaying || samples === undefined || samples.mask !== undefined) {
      session.replaying = false;
      return;
    }
    const version = session.version + 1;
    try {
      await this.channel.publishUpdate({ kind: 'update', session: session.id, version, step: { kind: 'directions', updates, key: BigInt(samples.key), distribution: samples.distribution, epsilon: samples.epsilon, weights: directionWeights(samples) } });
    } catch (e) {
      // The server is unreachable: the next request sends θ dense (or, still unreachable, falls back).
      this.options.log?.(`could not record update ${version}: ${e instanceof Error ? e.message : String(e)}; θ goes dense`);
      session.replaying = false;
      return;
    }
    session.version = version;
    session.recorded = true;
    this.stats.replayed_updates++;
  }

  /** The session, started on the first request: θ's snapshot, then the head that names it. */
  private start(theta: Float32Array): Promise<SessionState> {
    this.starting ??= (async () => {
      const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
      const hash = await sha256(theta);
      const snapshot = `snapshot/${id}/0`;
      const replay = this.options.replay;
      const optimizer = replay && this.options.optimizerState && { json: JSON.stringify(this.options.optimizerState.json), buffers: [...this.options.optimizerState.buffers] };
      await this.channel.putSnapshot(snapshot, { kind: 'snapshot', session: id, version: 0, theta, hash, ...(optimizer && { optimizer }) });
      const data = this.options.data && { ...this.options.data.spec, hash: await datasetHash(this.options.data.dataset) };
      const head: Head = {
        kind: 'head',
        protocol: PROTOCOL,
        session: id,
        model: await this.catalog.modelHash(),
        runtime: this.runtime,
        params: this.catalog.params.map((p) => ({ name: p.name, shape: [...p.shape] })),
        input: [...this.model.inputShape],
        outputs: this.model.outputs,
        objective: this.objective.name,
        ...(data && { data }),
        ...(replay && { replay }),
        snapshot,
        stream: { name: this.channel.names.stream, subject: this.channel.names.updates, seq: await this.channel.nextSeq() },
      };
      await this.channel.putHead(head);
      this.options.log?.(`session ${id} of run ${this.channel.names.run}: model ${head.model.slice(0, 12)} on ${head.runtime}, ${replay ? `θ replayed from update records (${replay.optimizer})` : 'θ sent as dense snapshots'}${data ? `, batches by index into ${data.dataset}` : ', batches inline'}`);
      return (this.session = { id, version: 0, hash, replaying: replay !== undefined, recorded: false });
    })();
    // A start that failed (the server unreachable) is tried again by the next request.
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  /** θ as a dense snapshot: the next version, and the end of the session's replay. */
  private async dense(session: SessionState, theta: Float32Array, hash: string): Promise<void> {
    const version = session.version + 1;
    const object = `snapshot/${session.id}/${version}`;
    await this.channel.putSnapshot(object, { kind: 'snapshot', session: session.id, version, theta, hash });
    await this.channel.publishUpdate({ kind: 'update', session: session.id, version, step: { kind: 'dense', object } });
    session.version = version;
    session.replaying = false;
    this.stats.dense++;
  }

  /** The copy program's hash, its bytes in the object store (once per coordinator). */
  private async upload(rows: number, slotted: boolean): Promise<string> {
    const { hash, bytes } = await this.catalog.copies(rows, slotted);
    let done = this.uploaded.get(hash);
    if (done === undefined) {
      done = this.channel.putObject(`program/${hash}`, bytes);
      this.uploaded.set(hash, done);
      done.catch(() => this.uploaded.delete(hash));
    }
    await done;
    return hash;
  }

  /** A task's result, re-issued until a worker answers it acceptably or the deadline passes. */
  private async issue(task: Task, calls: readonly CopyCall[], m: number): Promise<CallsResult> {
    const { timeout = 30_000, deadline = 120_000 } = this.options;
    const start = performance.now();
    const rows = calls.flat();
    const plus = rows.filter((row) => row.kind === 'plus').length;
    this.stats.tasks++;
    let last = 'no attempt';
    for (let attempt = 1; performance.now() - start < deadline; attempt++) {
      this.stats.attempts++;
      let bytes: Uint8Array;
      try {
        bytes = (await this.channel.nc.request(this.channel.names.tasks, encode({ ...task, attempt }), { timeout: Math.min(timeout, Math.max(1, deadline - (performance.now() - start))) })).data;
      } catch (e) {
        // No workers in the group, the server gone (the client reconnects meanwhile), or no reply in time.
        const message = e instanceof Error ? e.message : String(e);
        if (/timeout/i.test(message)) this.stats.timeouts++;
        last = message;
        if (!/timeout/i.test(message)) await pause(Math.min(250 * attempt, 2000));
        continue;
      }
      try {
        const reply = decode(replySchema, bytes, 'reply', this.limit);
        if (reply.id !== task.id || reply.attempt !== attempt) throw new RejectedMessage('replayed', `reply to ${reply.id}#${reply.attempt} for task ${task.id}#${attempt}`);
        if (reply.kind === 'refused') {
          const reason = reply.reason.split(':')[0]!;
          if (reason === 'busy') this.stats.busy++;
          else this.stats.refused[reason] = (this.stats.refused[reason] ?? 0) + 1;
          last = `${reply.worker} refused: ${reply.reason}`;
          // Short waits: a part frees a slot every few milliseconds, and another worker (of the run's runtime, say) may take the task at once.
          await pause(Math.min(attempt, 4));
          continue;
        }
        if (reply.protocol !== PROTOCOL || reply.model !== task.model || reply.runtime !== task.runtime) {
          this.stats.foreign++;
          last = `${reply.worker} answered as protocol ${reply.protocol}, model ${reply.model.slice(0, 12)}, ${reply.runtime}`;
          continue;
        }
        if (reply.losses.length !== rows.length * m || reply.applied.length !== (task.perturbation.kind === 'noise' ? plus : 0)) {
          throw new RejectedMessage('malformed', `reply of ${reply.losses.length} losses and ${reply.applied.length} applied steps for ${rows.length} copies × ${m}`);
        }
        this.stats.workers[reply.worker] = (this.stats.workers[reply.worker] ?? 0) + 1;
        return { losses: reply.losses, queries: reply.queries, applied: reply.applied };
      } catch (e) {
        if (!(e instanceof RejectedMessage)) throw e;
        this.stats[e.reason]++;
        last = e.message;
        this.options.log?.(`rejected a reply: ${e.message}`);
      }
    }
    throw new WorkersLost(`no worker of run ${this.channel.names.run} answered task ${task.id} within ${(deadline / 1000).toFixed(0)} s (last: ${last})`);
  }

  /** Releases nothing on the server (the run's records stay for resuming workers); the programs' lowering is dropped. */
  async dispose(): Promise<void> {
    await this.options.fallback?.dispose();
  }
}

/** No worker answered a task within the deadline. */
export class WorkersLost extends Error {
  override readonly name = 'WorkersLost';
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
