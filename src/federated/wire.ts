import { type Wire, WireError, decodeWire, encodeWire } from '../io/wire.js';
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

/** The bytes of a message (src/io/wire.ts's layout: a JSON header, then the Float32Array payloads). */
export function encodeMessage(message: ClientMessage | ClientReply): Uint8Array {
  return encodeWire(message as unknown as Wire);
}

/** The message `encodeMessage` encoded; throws Error when the bytes are not such a message. */
export function decodeMessage<M extends ClientMessage | ClientReply>(bytes: Uint8Array): M {
  const body = decodeWire(bytes, 'federated message');
  if (typeof body !== 'object' || body === null || typeof (body as { kind?: unknown }).kind !== 'string') throw new WireError('federated message is malformed: no message kind');
  return body as M;
}
