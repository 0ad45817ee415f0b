import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { batches } from '../data/batches.js';
import { type AnyDataset, subset } from '../data/dataset.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import type { CallsResult } from '../objectives/copy-calls.js';
import type { LossRequest } from '../objectives/loss-oracle.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import { targetFeed } from '../objectives/program-inputs.js';
import { type RunChannel, awaitRun } from './channel.js';
import { type Head, PROTOCOL, RejectedMessage, type Reply, type Task, decode, encode, rejectionCounts, taskSchema } from './messages.js';
import { type ProgramBytes, datasetHash, sha256 } from './programs.js';
import { ThetaReplica } from './replica.js';

/**
 * A worker of a run on a NATS server: a member of the run's queue group that answers
 * tasks (parts of loss requests) with per-example losses. It joins with nothing but the
 * run's name: the head (key-value store) names the model (its programs in the object
 * store, fetched once by hash and checked against it), θ's snapshot and the update
 * stream, from which it keeps its own replica of θ (ThetaReplica); the run's data it
 * loads itself when tasks name batches by index. A task is answered only when the
 * replica's hash is the task's, so an answer never depends on which worker gave it.
 * The same class runs in Node (engine: a pool of worker threads) and in a browser tab
 * (engine: onnxruntime-web on the page's thread).
 */

/** Evaluates parts of requests for one model (PartEngine implementations: a thread pool, an in-page Executor). */
export interface PartEngine {
  /**
   * Parts it evaluates at once. The worker admits twice as many (the others wait in the
   * engine's queue, so that the next part starts as soon as one ends, without a round
   * trip) and refuses any beyond as 'busy' (re-issued, to another worker if there is one).
   */
  readonly capacity: number;
  /** Calls [from, to) of the request's plan; `request.batch` holds the feeds; `programs` the copy programs by copyProgramKey. */
  evaluate(request: LossRequest, from: number, to: number, programs: Readonly<Record<string, ProgramBytes>>): Promise<CallsResult>;
  dispose(): Promise<void>;
}

export interface NatsWorkerOptions {
  /** The worker's name in replies and logs. */
  readonly name: string;
  /** The runtime the worker evaluates with (backend().name): a run accepts one runtime only. */
  readonly runtime: string;
  /** The engine for a session's model: its layout and programs. */
  readonly engine: (head: Head) => Promise<PartEngine>;
  /** The run's training split, for tasks that name batches by index (absent: such tasks are refused). */
  readonly data?: (spec: NonNullable<Head['data']>) => Promise<AnyDataset>;
  /** Largest message accepted, in bytes (default: the server's max_payload). */
  readonly limit?: number;
  readonly log?: (line: string) => void;
}

/** What a worker saw: tasks answered and refused, and messages rejected by reason. */
export interface WorkerStats {
  tasks: number;
  answered: number;
  busy: number;
  /** Refusals other than busy, by reason. */
  refused: Record<string, number>;
  malformed: number;
  oversized: number;
  replayed: number;
}

/** A refusal with the reason it is counted under. */
class Refusal extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  readonly head: Head;
  readonly engine: PartEngine;
  readonly replica: ThetaReplica;
  readonly dataset?: AnyDataset;
  /** The feeds of the last batch named by index. */
  feeds?: { readonly indices: Int32Array; readonly batch: LossRequest['batch'] };
  /** Parts being evaluated by the engine. */
  readonly parts: Set<Promise<CallsResult>>;
}

/** Task ids (with attempt) remembered to reject replays: the most recent this many. */
const REMEMBERED = 4096;

export class NatsWorker {
  readonly stats: WorkerStats = { tasks: 0, answered: 0, busy: 0, refused: {}, ...rejectionCounts() };
  private session: Promise<Session> | undefined;
  private readonly programs = new Map<string, Promise<ProgramBytes>>();
  private readonly seen = new Set<string>();
  private running = 0;
  /** The session engine's capacity (1 until a session is open). */
  private capacity = 1;
  /** Replica updates and session changes happen one at a time. */
  private lock: Promise<unknown> = Promise.resolve();
  private subscription: Subscription | undefined;
  /** While the run evaluates with another runtime: the watch on its head that brings the worker back. */
  private parked: Promise<{ stop(): void } | undefined> | undefined;
  private stopped = false;
  /** Tasks being handled, from arrival to reply. */
  private readonly handling = new Set<Promise<void>>();

  constructor(
    readonly channel: RunChannel,
    private readonly options: NatsWorkerOptions,
  ) {}

  private get limit(): number {
    return this.options.limit ?? this.channel.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** Joins the run's queue group. */
  start(): void {
    this.subscription = this.channel.nc.subscribe(this.channel.names.tasks, {
      queue: this.channel.names.queue,
      callback: (error, msg) => {
        if (error) return this.options.log?.(`subscription: ${error.message}`);
        const handled = this.handle(msg);
        this.handling.add(handled);
        void handled.finally(() => this.handling.delete(handled));
      },
    });
  }

  /**
   * Leaves the queue group, answers the tasks in progress (a part whose reply nobody waits
   * for any more, too: an engine is never released under a running part) and releases the
   * session's engine.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const parked = this.parked;
    this.parked = undefined;
    (await parked)?.stop();
    await this.subscription?.drain();
    await Promise.allSettled([...this.handling]);
    await Promise.resolve(this.lock).catch(() => undefined);
    const session = await this.session?.catch(() => undefined);
    await session?.engine.dispose();
  }

  /**
   * Leaves the queue group while the run's head names another runtime (every task drawn would
   * be refused and re-issued, at a cost to the run) and joins again when a head names this
   * worker's runtime: a new session of the run on it.
   */
  private park(reason: string): void {
    if (this.parked !== undefined || this.stopped) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    // Drained, not dropped: tasks the server already routed here are still answered (refused), not lost.
    void subscription?.drain();
    this.options.log?.(`left the queue group (${reason}); joining again when a session on ${this.options.runtime} starts`);
    const rejoin = (head: Head | undefined) => {
      if (head?.runtime !== this.options.runtime || this.stopped || this.parked !== parked) return;
      this.parked = undefined;
      void parked.then((watch) => watch?.stop());
      this.options.log?.(`rejoined the queue group: session ${head.session} evaluates with ${head.runtime}`);
      this.start();
    };
    const failed = (e: unknown) => this.options.log?.(`watching the run head: ${e instanceof Error ? e.message : String(e)}`);
    const parked: Promise<{ stop(): void } | undefined> = this.channel.watchHead(rejoin, failed).catch((e) => void failed(e));
    this.parked = parked;
    // A head written before the watch started is read once it has.
    void parked.then(() => this.channel.head(this.limit)).then(rejoin, failed);
  }

  private async handle(msg: Msg): Promise<void> {
    let task: Task | undefined;
    const respond = (reply: Reply) => msg.reply !== undefined && msg.respond(encode(reply));
    const refuse = (reason: string, message: string) => {
      if (reason === 'busy') this.stats.busy++;
      else {
        // The first refusal of a kind is told: a worker of another runtime or model learns why it answers nothing.
        if (this.stats.refused[reason] === undefined) this.options.log?.(`refused a task (${reason}): ${message}; refusals of this kind are counted from now on`);
        this.stats.refused[reason] = (this.stats.refused[reason] ?? 0) + 1;
      }
      respond({ kind: 'refused', protocol: PROTOCOL, id: task?.id ?? '', attempt: task?.attempt ?? 0, worker: this.options.name, reason: `${reason}: ${message}` });
    };
    try {
      task = decode(taskSchema, msg.data, 'task', this.limit);
    } catch (e) {
      if (!(e instanceof RejectedMessage)) throw e;
      this.stats[e.reason]++;
      this.options.log?.(`rejected a message: ${e.message}`);
      return refuse(e.reason, e.message);
    }
    this.stats.tasks++;
    if (task.protocol !== PROTOCOL) return refuse('protocol', `task of protocol ${task.protocol}, this worker speaks ${PROTOCOL}`);
    const key = `${task.id}#${task.attempt}`;
    if (this.seen.has(key)) {
      this.stats.replayed++;
      return refuse('replayed', `task ${key} was already received`);
    }
    this.seen.add(key);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value!);
    if (this.running >= 2 * this.capacity) return refuse('busy', `${this.running} parts in progress or waiting`);
    this.running++;
    try {
      const { session, request } = await this.serial(() => this.prepare(task!));
      const programs = Object.fromEntries(await Promise.all(Object.entries(task.programs).map(async ([k, hash]) => [k, await this.program(hash)] as const)));
      const part = session.engine.evaluate(request, task.from, task.to, programs);
      session.parts.add(part);
      void part.then(
        () => session.parts.delete(part),
        () => session.parts.delete(part),
      );
      const result = await part;
      this.stats.answered++;
      respond({ kind: 'result', protocol: PROTOCOL, id: task.id, attempt: task.attempt, worker: this.options.name, model: session.head.model, runtime: this.options.runtime, ...result });
    } catch (e) {
      if (e instanceof Refusal) {
        refuse(e.reason, e.message);
        if (e.reason === 'runtime') this.park(e.message);
      } else refuse('failed', e instanceof Error ? e.message : String(e));
    } finally {
      this.running--;
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lock.then(work, work);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** The task's session and θ (the replica caught up to the task's version and checked), and its request with feeds. */
  private async prepare(task: Task): Promise<{ session: Session; request: LossRequest }> {
    let session = await this.session?.catch(() => undefined);
    if (session?.head.session !== task.session) {
      const head = await this.channel.head(this.limit);
      if (head?.session !== task.session) throw new Refusal('stale', `task of session ${task.session}, the run's is ${head?.session ?? 'none'}`);
      if (head.protocol !== PROTOCOL) throw new Refusal('protocol', `the run speaks protocol ${head.protocol}, this worker ${PROTOCOL}`);
      if (head.runtime !== this.options.runtime) throw new Refusal('runtime', `the run evaluates with ${head.runtime}, this worker with ${this.options.runtime}`);
      const previous = session;
      this.session = this.open(head);
      session = await this.session;
      // The old session's parts may still run (their coordinator gone): its engine goes when they end.
      if (previous && previous.engine !== session.engine) void Promise.allSettled([...previous.parts]).then(() => previous.engine.dispose());
    }
    const { head, replica } = session;
    if (task.model !== head.model) throw new Refusal('model', `task for model ${task.model.slice(0, 12)}, the session's is ${head.model.slice(0, 12)}`);
    if (task.runtime !== this.options.runtime) throw new Refusal('runtime', `task for ${task.runtime}, this worker evaluates with ${this.options.runtime}`);
    if (task.theta.version < replica.version) throw new Refusal('stale', `task at θ version ${task.theta.version}, this worker is at ${replica.version}`);
    while (replica.version < task.theta.version) {
      const update = await this.channel.update(head.stream.seq + replica.version, this.limit);
      await replica.apply(update, (name) => this.channel.snapshot(name));
    }
    if ((await replica.hash()) !== task.theta.hash) throw new Refusal('diverged', `θ at version ${replica.version} has hash ${(await replica.hash()).slice(0, 12)}, the task's is ${task.theta.hash.slice(0, 12)}`);
    return { session, request: this.request(task, session) };
  }

  private async open(head: Head): Promise<Session> {
    let dataset: AnyDataset | undefined;
    if (head.data) {
      if (!this.options.data) throw new Refusal('data', `tasks name batches of ${head.data.dataset} by index, and this worker has no data loader`);
      dataset = await this.options.data(head.data);
      const hash = await datasetHash(dataset);
      if (hash !== head.data.hash) throw new Refusal('data', `${head.data.dataset} here has hash ${hash.slice(0, 12)}, the run's ${head.data.hash.slice(0, 12)}`);
    }
    const snapshot = await this.channel.snapshot(head.snapshot);
    const replica = ThetaReplica.fromSnapshot(head, snapshot);
    if ((await replica.hash()) !== snapshot.hash) throw new Refusal('diverged', `snapshot ${head.snapshot} does not match its hash`);
    const engine = await this.options.engine(head);
    this.capacity = engine.capacity;
    this.options.log?.(`session ${head.session}: model ${head.model.slice(0, 12)}, θ from ${head.snapshot}${head.replay ? `, replaying ${head.replay.optimizer} updates` : ', dense updates'}`);
    return { head, engine, replica, parts: new Set(), ...(dataset && { dataset }) };
  }

  /** A program's bytes from the run's object store, checked against the hash that names it. */
  private program(hash: string): Promise<ProgramBytes> {
    let program = this.programs.get(hash);
    if (program === undefined) {
      program = (async () => {
        const bytes = await this.channel.object(`program/${hash}`);
        if (bytes === undefined) throw new Refusal('program', `the run's object store holds no program ${hash.slice(0, 12)}`);
        if ((await sha256(bytes)) !== hash) throw new Refusal('program', `program ${hash.slice(0, 12)} does not match its hash`);
        return { hash, bytes };
      })();
      this.programs.set(hash, program);
      program.catch(() => this.programs.delete(hash));
    }
    return program;
  }

  /** The task as a loss request on the replica's θ, with the batch's feeds. */
  private request(task: Task, session: Session): LossRequest {
    const { head, replica, dataset } = session;
    if (!('indices' in task.batch)) {
      const { x, y } = task.batch;
      return this.lossRequest(task, replica, { x: new HostTensor('float32', x.shape, x.data), y: new HostTensor(y.dtype, y.shape, y.data as never) as LossRequest['batch']['y'] });
    }
    if (!dataset) throw new Refusal('data', 'the task names a batch by index, and the run declares no data');
    const indices = task.batch.indices;
    // A step's parts name the same batch: its feeds are built once (and the same objects handed to the engine).
    const cached = session.feeds;
    if (cached && cached.indices.length === indices.length && cached.indices.every((i, r) => i === indices[r])) return this.lossRequest(task, replica, cached.batch);
    if (indices.some((i) => !(i >= 0 && i < dataset.size))) throw new Refusal('data', `batch indices outside [0, ${dataset.size})`);
    const batch = batches(subset(dataset, indices), { batchSize: indices.length, shuffle: false }).next().value!;
    const x = new HostTensor('float32', [indices.length, ...head.input], batch.x.data);
    const y = targetFeed(objectiveFromSpec(head.objective), head.outputs, batch.y, indices.length) as LossRequest['batch']['y'];
    session.feeds = { indices: indices.slice(), batch: { x, y } };
    return this.lossRequest(task, replica, session.feeds.batch);
  }

  /** The task as a loss request on the replica's θ and the batch's feeds. */
  private lossRequest(task: Task, replica: ThetaReplica, batch: LossRequest['batch']): LossRequest {
    return {
      params: replica.theta,
      batch,
      perturbation: task.perturbation,
      ...(task.slots && { slots: task.slots }),
      ...(task.directionsPerCall !== undefined && { directionsPerCall: task.directionsPerCall }),
      ...(task.copyBytes !== undefined && { copyBytes: task.copyBytes }),
    };
  }
}

/** A worker joined to a run on a connection of its own. */
export interface JoinedWorker {
  readonly worker: NatsWorker;
  readonly nc: NatsConnection;
  /** Leaves the run (answering the parts in progress) and closes the connection. */
  stop(): Promise<void>;
}

/**
 * Waits on `nc` for run `run` to be started by its coordinator (polling every `every` ms,
 * until `signal` aborts) and joins its queue group as a worker that owns the connection.
 * @throws Error when `signal` aborts the wait (the connection is left open).
 */
export async function joinRun(nc: NatsConnection, run: string, options: NatsWorkerOptions, wait: { readonly signal?: AbortSignal; readonly every?: number } = {}): Promise<JoinedWorker> {
  const channel = await awaitRun(nc, run, { ...wait, ...(options.log && { log: options.log }) });
  const worker = new NatsWorker(channel, options);
  worker.start();
  return {
    worker,
    nc,
    async stop() {
      await worker.stop();
      await nc.close();
    },
  };
}
