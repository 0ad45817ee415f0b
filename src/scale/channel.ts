import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { type ObjectStore, Objm } from '@nats-io/obj';
import { type Head, type Snapshot, type Update, decode, encode, headSchema, snapshotSchema, updateSchema } from './messages.js';

/**
 * A run's resources on a NATS server, named after the run: request/reply subjects for the
 * tasks (one queue group of workers), a JetStream stream of θ's updates, a key-value bucket
 * holding the run's head, and an object store for the programs and θ's snapshots. The
 * same code runs in Node and in browsers (any NatsConnection: TCP or WebSocket).
 */

/** Run names: letters, digits, '-' and '_' (they become subject tokens and bucket names). */
const RUN = /^[A-Za-z0-9_-]{1,32}$/;

export interface RunNames {
  readonly run: string;
  /** Tasks, answered by the queue group `queue`. */
  readonly tasks: string;
  readonly queue: string;
  /** θ's update records (JetStream stream `stream`). */
  readonly updates: string;
  readonly stream: string;
  /** The key-value bucket (the head) and the object store (programs, snapshots). */
  readonly bucket: string;
}

/** The subjects and buckets of run `run`. @throws RangeError for a name that is not 1–32 letters, digits, '-' or '_'. */
export function runNames(run: string): RunNames {
  if (!RUN.test(run)) throw new RangeError(`run name must be 1 to 32 letters, digits, '-' or '_', got '${run}'`);
  return {
    run,
    tasks: `fp.${run}.tasks`,
    queue: `fp-${run}-workers`,
    updates: `fp.${run}.updates`,
    stream: `FP_${run}`,
    bucket: `fp-${run}`,
  };
}

/** The head's key in the run's key-value bucket. */
const HEAD = 'head';

/** A run's broker resources, opened (worker) or created (coordinator). */
export class RunChannel {
  private constructor(
    readonly nc: NatsConnection,
    readonly names: RunNames,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly kv: KV,
    readonly store: ObjectStore,
  ) {}

  /** Creates the run's stream and buckets where they do not exist (the coordinator). */
  static async create(nc: NatsConnection, run: string): Promise<RunChannel> {
    const names = runNames(run);
    const jsm = await jetstreamManager(nc);
    const stream = await jsm.streams.info(names.stream).catch(() => undefined);
    if (stream === undefined) await jsm.streams.add({ name: names.stream, subjects: [names.updates] });
    const [kv, store] = await Promise.all([new Kvm(nc).create(names.bucket), new Objm(nc).create(names.bucket)]);
    return new RunChannel(nc, names, jetstream(nc), jsm, kv, store);
  }

  /** Opens an existing run's resources (a worker); throws when the coordinator has not created them. */
  static async open(nc: NatsConnection, run: string): Promise<RunChannel> {
    const names = runNames(run);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(names.stream);
    const [kv, store] = await Promise.all([new Kvm(nc).open(names.bucket), new Objm(nc).open(names.bucket)]);
    return new RunChannel(nc, names, jetstream(nc), jsm, kv, store);
  }

  /** The run's head, checked; undefined before a coordinator wrote one. */
  async head(limit?: number): Promise<Head | undefined> {
    const entry = await this.kv.get(HEAD);
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return decode(headSchema, entry.value, 'the run head', limit);
  }

  async putHead(head: Head): Promise<void> {
    await this.kv.put(HEAD, encode(head));
  }

  /** Calls `onHead` with each new head (a new session) as it is written. Resolves when watching has started; stop() ends it. */
  async watchHead(onHead: (head: Head) => void, onError: (e: unknown) => void): Promise<{ stop(): void }> {
    const watch = await this.kv.watch({ key: HEAD, include: 'updates' as never });
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT') continue;
        try {
          onHead(decode(headSchema, entry.value, 'the run head'));
        } catch (e) {
          onError(e);
        }
      }
    })();
    return { stop: () => watch.stop() };
  }

  async putObject(name: string, bytes: Uint8Array): Promise<void> {
    await this.store.putBlob({ name }, bytes);
  }

  /** An object's bytes, or undefined when there is none of that name. */
  async object(name: string): Promise<Uint8Array | undefined> {
    return (await this.store.getBlob(name)) ?? undefined;
  }

  async putSnapshot(name: string, snapshot: Snapshot): Promise<void> {
    await this.putObject(name, encode(snapshot));
  }

  /** A snapshot by name, checked. @throws Error when there is none. */
  async snapshot(name: string): Promise<Snapshot> {
    const bytes = await this.object(name);
    if (bytes === undefined) throw new Error(`the run's object store holds no snapshot '${name}'`);
    return decode(snapshotSchema, bytes, `snapshot ${name}`);
  }

  /** Appends an update record (deduplicated by session and version); returns its stream sequence. */
  async publishUpdate(update: Update): Promise<number> {
    const ack = await this.js.publish(this.names.updates, encode(update), { msgID: `${update.session}/${update.version}` });
    return ack.seq;
  }

  /** The update record at stream sequence `seq`, checked. */
  async update(seq: number, limit?: number): Promise<Update> {
    const message = await this.jsm.streams.getMessage(this.names.stream, { seq });
    if (message === null) throw new Error(`the update stream holds no record ${seq}`);
    return decode(updateSchema, message.data, `update record ${seq}`, limit);
  }

  /** The sequence the next update record will get. */
  async nextSeq(): Promise<number> {
    return (await this.jsm.streams.info(this.names.stream)).state.last_seq + 1;
  }
}

/** The run's channel once its coordinator created it, polling every `every` ms until then (or until `signal` aborts). */
export async function awaitRun(nc: NatsConnection, run: string, { signal, log, every = 500 }: { readonly signal?: AbortSignal; readonly log?: (line: string) => void; readonly every?: number } = {}): Promise<RunChannel> {
  for (let waited = false; ; waited = true) {
    try {
      return await RunChannel.open(nc, run);
    } catch {
      if (!waited) log?.(`waiting for run '${run}' to be started by a coordinator`);
      if (signal?.aborted) throw new Error(`stopped while waiting for run '${run}'`);
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  }
}

/** How to reach and log in to a NATS server, whatever the transport. Credentials are optional. */
export interface NatsLogin {
  /** Server URL(s), comma-separated: nats://host:4222, tls://host:4222 (TCP); ws://host:8080, wss://… (WebSocket). */
  readonly servers: string;
  readonly token?: string;
  readonly user?: string;
  readonly pass?: string;
  /** The connection's name on the server's monitoring pages. */
  readonly name?: string;
}

/**
 * A connection by `connect` (a transport's: TCP in Node, WebSocket anywhere) that
 * reconnects for as long as it is open (a restarted server is found again; subscriptions
 * are renewed), every 250 ms. `extra` adds the transport's own options (TLS files).
 * @throws Error naming the servers when the first connection fails (refused, or bad credentials).
 */
export async function openConnection<O extends ConnectionOptions>(connect: (options: O) => Promise<NatsConnection>, login: NatsLogin, extra: Partial<O> = {}): Promise<NatsConnection> {
  const { servers, token, user, pass, name } = login;
  try {
    return await connect({
      servers: servers.split(',').map((s) => s.trim()),
      ...(token !== undefined && { token }),
      ...(user !== undefined && { user, pass: pass ?? '' }),
      ...(name !== undefined && { name }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 50,
      ...extra,
    } as O);
  } catch (e) {
    throw new Error(`cannot connect to the NATS server at ${servers}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
