import type { SerializedState } from '../state/state.js';

/**
 * The messages between a federated server and its clients, and their byte encoding. Only
 * what the algorithms exchange crosses: parameter vectors x, control variates, random-feature
 * weights, scalars; a client's state crosses only to be checkpointed or restored. Every
 * message is encoded (whatever carries it: in-process now, a message broker later), so the
 * bytes a round costs are the encoded lengths, counted both ways.
 */

/** A random-feature surrogate as FZooS sends it: f̂(x) = offset + Σⱼ wⱼφⱼ(x). */
export interface FeatureModelMessage {
  readonly weights: Float32Array;
  readonly offset: number;
}

/** Server → client. */
export type ClientMessage =
  /** Run `steps` local steps from x_{r−1}; `control` (SCAFFOLD's server control variate) and `model` (FZooS's global surrogate) when the algorithm has them. */
  | { readonly kind: 'round'; readonly round: number; readonly params: Float32Array; readonly steps: number; readonly control?: Float32Array; readonly model?: FeatureModelMessage }
  /** SCAFFOLD I: a fresh gradient estimate at x, the client's control variate this round. */
  | { readonly kind: 'gradient'; readonly params: Float32Array }
  /** FZooS: explore around x and fit the client's random-feature surrogate there. */
  | { readonly kind: 'features'; readonly params: Float32Array }
  /** The server's acceptance check: f_i(x) over the client's data. */
  | { readonly kind: 'loss'; readonly params: Float32Array }
  /** Checkpointing: the client's state (serialised: serializeState), and restoring it. */
  | { readonly kind: 'save' }
  | { readonly kind: 'load'; readonly state: SerializedState };

/** Client → server. */
export type ClientReply =
  | {
      readonly kind: 'round';
      /** x_i after the local steps. */
      readonly params: Float32Array;
      /** The loss of the last local step (at the point it was taken). */
      readonly loss: number;
      readonly queries: number;
      /** Mean norm of the correction γ_t·c added to the local estimates this round (0 without one). */
      readonly correction: number;
      /** SCAFFOLD II: the mean of this round's local estimates, c_i for the next round. */
      readonly control?: Float32Array;
    }
  /** A local step met a NaN or infinite loss or gradient: the round is void for this client (its queries still count). */
  | { readonly kind: 'dropped'; readonly reason: string; readonly queries: number }
  | { readonly kind: 'gradient'; readonly grad: Float32Array; readonly queries: number }
  | { readonly kind: 'features'; readonly model: FeatureModelMessage; readonly queries: number }
  | { readonly kind: 'loss'; readonly loss: number; readonly queries: number }
  | { readonly kind: 'saved'; readonly state: SerializedState }
  | { readonly kind: 'loaded' };

/** A message tree: numbers (NaN and ±∞ included), strings, booleans, Float32Arrays, arrays, plain objects. */
type Wire = number | string | boolean | Float32Array | readonly Wire[] | { readonly [key: string]: Wire | undefined };

/**
 * Layout, little-endian: u32 length of the JSON header | the header (UTF-8) | zero padding to
 * 4 bytes | the Float32Array payloads, in the order the header names them. In the header a
 * buffer is {"$f32": index} and a non-finite number {"$num": "NaN" | "Infinity" | "-Infinity"}.
 */
export function encodeMessage(message: ClientMessage | ClientReply): Uint8Array {
  const buffers: Float32Array[] = [];
  const tree = (value: Wire | undefined): unknown => {
    if (value instanceof Float32Array) return { $f32: buffers.push(value) - 1 };
    if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
    if (Array.isArray(value)) return value.map(tree);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, tree(v)]));
    return value;
  };
  const body = tree(message as Wire);
  const json = new TextEncoder().encode(JSON.stringify({ body, lengths: buffers.map((b) => b.length) }));
  const start = align4(4 + json.length);
  const bytes = new Uint8Array(start + buffers.reduce((s, b) => s + b.byteLength, 0));
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  let offset = start;
  for (const b of buffers) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset);
    offset += b.byteLength;
  }
  return bytes;
}

/** The message `encodeMessage` encoded; throws Error when the bytes are not such a message. */
export function decodeMessage<M extends ClientMessage | ClientReply>(bytes: Uint8Array): M {
  const fail = (why: string): never => {
    throw new Error(`federated message is malformed: ${why}`);
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (4 + length > bytes.length) fail(`a header of ${length} bytes in ${bytes.length}`);
  let parsed: { body?: unknown; lengths?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length)));
  } catch {
    return fail('the header is not UTF-8 JSON');
  }
  const lengths = Array.isArray(parsed.lengths) && parsed.lengths.every((n) => Number.isSafeInteger(n) && n >= 0) ? (parsed.lengths as number[]) : fail('no buffer lengths');
  let offset = align4(4 + length);
  if (offset + 4 * lengths.reduce((s, n) => s + n, 0) !== bytes.length) fail('the buffers do not fill the message');
  const buffers = lengths.map((n) => {
    const b = new Float32Array(n);
    new Uint8Array(b.buffer).set(bytes.subarray(offset, offset + 4 * n));
    offset += 4 * n;
    return b;
  });
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record.$f32 === 'number') return buffers[record.$f32] ?? fail(`buffer ${record.$f32} is missing`);
    if (typeof record.$num === 'string') return Number(record.$num);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
  };
  const body = revive(parsed.body);
  if (typeof body !== 'object' || body === null || typeof (body as { kind?: unknown }).kind !== 'string') fail('no message kind');
  return body as M;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
