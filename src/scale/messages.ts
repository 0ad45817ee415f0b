import { z } from 'zod';
import { WireError, type Wire, decodeWire, encodeWire } from '../io/wire.js';
import { OPTIMIZER_NAMES, type OptimizerName, SCHEDULE_NAMES, type ScheduleName } from '../optim/registry.js';

/**
 * The messages of scale-out over a broker, their schemas and their checks. Every message
 * is a wire tree (src/io/wire.ts) checked against its schema on arrival: a message that
 * does not decode, does not match, or is larger than the limit is rejected — and counted —
 * before anything acts on it.
 */

/** Bumped when a message changes: a worker and a coordinator of different protocols refuse each other. */
export const PROTOCOL = 1;

const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
/** Typed arrays of any buffer (the wire decodes into fresh ones; a sender may hold shared ones). */
const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array');
const f64 = z.custom<Float64Array>((v) => v instanceof Float64Array, 'expected a Float64Array');
const i32 = z.custom<Int32Array>((v) => v instanceof Int32Array, 'expected an Int32Array');
const i64 = z.custom<BigInt64Array>((v) => v instanceof BigInt64Array, 'expected a BigInt64Array');
const shape = z.array(count);

const noise = z.strictObject({
  kind: z.literal('noise'),
  key: z.bigint().nonnegative(),
  distribution: z.enum(['gaussian', 'rademacher']),
  epsilon: z.number().positive(),
  scheme: z.enum(['central', 'forward']),
  first: count,
  count: positive,
  mask: f32.optional(),
});
const coordinates = z.strictObject({ kind: z.literal('coordinates'), coordinates: i32, epsilon: z.number().positive() });
const offsets = z.strictObject({ kind: z.literal('offsets'), offsets: f32, copies: positive });

/** A batch by dataset index (workers hold the run's data) or inline: the feeds themselves. */
const batch = z.union([
  z.strictObject({ indices: i32 }),
  z.strictObject({
    x: z.strictObject({ shape, data: f32 }),
    y: z.strictObject({ dtype: z.enum(['int64', 'float32']), shape, data: z.union([i64, f32]) }),
  }),
]);

/** θ as a worker must hold it to answer: the replica's version in the session and its hash. */
const theta = z.strictObject({ version: count, hash });

/** Coordinator → worker: calls [from, to) of the request's plan. */
export const taskSchema = z.strictObject({
  kind: z.literal('task'),
  protocol: z.number().int(),
  session: z.string().min(1).max(64),
  /** `<session>/<n>`, the same for every attempt of a part. */
  id: z.string().min(1).max(128),
  attempt: positive,
  model: hash,
  runtime: z.string().max(64),
  theta,
  perturbation: z.discriminatedUnion('kind', [noise, coordinates, offsets]),
  slots: z.strictObject({ m: positive, example: i32 }).optional(),
  directionsPerCall: positive.optional(),
  copyBytes: z.number().positive().optional(),
  batch,
  from: count,
  to: positive,
  programs: z.record(z.string().regex(/^\d+:(true|false)$/), hash),
});

/** Worker → coordinator: the part's losses, or why it was not evaluated. */
export const replySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('result'),
    protocol: z.number().int(),
    id: z.string().max(128),
    attempt: positive,
    worker: z.string().max(128),
    model: hash,
    runtime: z.string().max(64),
    losses: f32,
    queries: count,
    applied: f64,
  }),
  z.strictObject({ kind: z.literal('refused'), protocol: z.number().int(), id: z.string().max(128), attempt: count, worker: z.string().max(128), reason: z.string().max(1000) }),
]);

/** The run's head (key-value store): what a worker needs to join, and where the session's θ comes from. */
export const headSchema = z.strictObject({
  kind: z.literal('head'),
  protocol: z.number().int(),
  session: z.string().min(1).max(64),
  model: hash,
  runtime: z.string().max(64),
  params: z.array(z.strictObject({ name: z.string(), shape })),
  /** The model's example shape, outputs and objective (to shape batches by index). */
  input: shape,
  outputs: positive,
  objective: z.string(),
  /** The run's training data, when tasks name batches by index: the spec a worker loads and the hash it must match. */
  data: z.strictObject({ dataset: z.string(), classes: z.array(count).optional(), holdout: positive.optional(), seed: count, hash }).optional(),
  /** How θ is replicated: 'replay' (the optimiser below, from the update records) or 'dense' (snapshots only). */
  replay: z.strictObject({ optimizer: z.enum(OPTIMIZER_NAMES as [OptimizerName, ...OptimizerName[]]), lr: z.number(), schedule: z.enum(SCHEDULE_NAMES as [ScheduleName, ...ScheduleName[]]), warmupSteps: count, momentum: z.number(), weightDecay: z.number(), clip: z.number(), plannedSteps: positive }).optional(),
  snapshot: z.string().min(1),
  stream: z.strictObject({ name: z.string(), subject: z.string(), seq: count }),
});

/** θ at the start of a session (object store), with the optimiser's state when it is replayed. */
export const snapshotSchema = z.strictObject({
  kind: z.literal('snapshot'),
  session: z.string().min(1).max(64),
  version: count,
  theta: f32,
  hash,
  optimizer: z.strictObject({ json: z.string(), buffers: z.array(f32) }).optional(),
});

/**
 * One version of θ (the update stream): the step the optimiser took — its estimate as
 * directions and weights, ĝ = Σₖ wₖ zₖ — or a dense snapshot in the object store.
 */
export const updateSchema = z.strictObject({
  kind: z.literal('update'),
  session: z.string().min(1).max(64),
  version: positive,
  step: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('directions'), updates: count, key: z.bigint().nonnegative(), distribution: z.enum(['gaussian', 'rademacher']), epsilon: z.number().positive(), weights: f64 }),
    z.strictObject({ kind: z.literal('dense'), object: z.string().min(1) }),
  ]),
});

export type Task = z.infer<typeof taskSchema>;
export type Reply = z.infer<typeof replySchema>;
export type Head = z.infer<typeof headSchema>;
export type Snapshot = z.infer<typeof snapshotSchema>;
export type Update = z.infer<typeof updateSchema>;

/** Why a message was rejected, by the counter it goes to. */
export type Rejection = 'malformed' | 'oversized' | 'replayed';

/** A message rejected before acting on it: `reason` is the counter, the message says what was wrong. */
export class RejectedMessage extends Error {
  override readonly name = 'RejectedMessage';

  constructor(
    readonly reason: Rejection,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes of a message (its schema is the reader's check). */
export function encode(message: Task | Reply | Head | Snapshot | Update): Uint8Array {
  return encodeWire(message as unknown as Wire);
}

/**
 * A message of `schema` from bytes at most `limit` long.
 * @throws RejectedMessage ('oversized' or 'malformed', naming `what` and the defect).
 */
export function decode<S extends z.ZodType>(schema: S, bytes: Uint8Array, what: string, limit = Infinity): z.infer<S> {
  if (bytes.length > limit) throw new RejectedMessage('oversized', `${what} of ${bytes.length} bytes exceeds the limit of ${limit}`);
  let tree: unknown;
  try {
    tree = decodeWire(bytes, what);
  } catch (e) {
    if (e instanceof WireError) throw new RejectedMessage('malformed', e.message);
    throw e;
  }
  const parsed = schema.safeParse(tree);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RejectedMessage('malformed', `${what} does not match its schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Counts of rejected messages, by reason, and of refusals: what a run reports at its end. */
export interface RejectionCounts {
  malformed: number;
  oversized: number;
  replayed: number;
}

export function rejectionCounts(): RejectionCounts {
  return { malformed: 0, oversized: 0, replayed: 0 };
}
