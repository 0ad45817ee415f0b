import type { SerializedState } from '../state/state.js';
import { FEDERATED_ALGORITHMS, type FederatedConfig } from './algorithms.js';
import type { Transport } from './transport.js';
import { type ClientMessage, type ClientReply, type FeatureModelMessage, decodeMessage, encodeMessage } from './wire.js';

/** The server's state between rounds, plain data (checkpointed with the clients'). */
export type ServerState = {
  /** Rounds completed. */
  readonly round: number;
  /** x_r, the global point. */
  readonly params: Float32Array;
  /** All queries so far: the clients' local steps, SCAFFOLD I's estimates, acceptance checks. */
  readonly queries: number;
  /** Bytes exchanged so far, both ways (checkpoint traffic excluded). */
  readonly bytes: number;
  /** F(x_r) from the last acceptance check, when hasLoss is 1. */
  readonly loss: number;
  readonly hasLoss: number;
  /** SCAFFOLD II: each client's last control variate c_i, N × P (empty otherwise). */
  readonly controls: Float32Array;
  /** Per client, 1 once it has uploaded a control variate (SCAFFOLD II). */
  readonly reported: readonly number[];
};

/** What one round did: counts are cumulative unless named per round. */
export interface RoundRecord {
  readonly round: number;
  readonly queries: number;
  readonly bytes: number;
  readonly roundQueries: number;
  readonly roundBytes: number;
  /** False when the acceptance check refused the new point (or no client reported). */
  readonly accepted: boolean;
  /** Clients whose round was void (a NaN or infinite loss), and why. */
  readonly dropped: readonly { readonly client: number; readonly reason: string }[];
  /** Mean over the reporting clients of their last local loss, and of their mean correction norm. */
  readonly clientLoss: number | null;
  readonly correction: number | null;
  /** F at the new point, when the acceptance check measured it. */
  readonly checkedLoss: number | null;
}

/**
 * The server of federated zeroth-order optimisation (FZooS §3): each round it sends x_{r−1}
 * (and the algorithm's control variate or global surrogate) to every client, takes their
 * points x_i and summaries, and moves to x_r = x_{r−1} + η_g Σ_i (w_i/W)(x_i − x_{r−1}) over the
 * clients that reported (W their total weight; a client whose round was dropped counts for
 * nothing this round and keeps its earlier summaries). SCAFFOLD I and FZooS (from round 2)
 * first collect, at x_{r−1}, each client's fresh control variate or random-feature
 * surrogate and send their mean with the round; the global surrogate is the mean of the
 * clients' weights and offsets (weights in the targets' units). With acceptance 'global-loss' it asks
 * every client for f_i at the new point (and, the first time, at the old one: one query
 * each) and keeps x_{r−1} when F = Σ w_i f_i / Σ w_i rose, as FZooS's code does, counting those
 * queries. Every message's bytes are counted both ways.
 */
export class FederatedServer {
  private readonly weights: readonly number[];

  constructor(
    private readonly config: FederatedConfig,
    private readonly transport: Transport,
    readonly dimension: number,
  ) {
    this.weights = config.weights ?? Array.from({ length: transport.clients }, () => 1);
  }

  init(params: Float32Array): ServerState {
    if (!(params instanceof Float32Array) || params.length !== this.dimension) throw new RangeError(`params must be a Float32Array of length ${this.dimension}`);
    const n = this.transport.clients;
    const correction = FEDERATED_ALGORITHMS[this.config.algorithm].correction;
    return {
      round: 0,
      params: params.slice(),
      queries: 0,
      bytes: 0,
      loss: 0,
      hasLoss: 0,
      controls: new Float32Array(correction === 'average-control' ? n * this.dimension : 0),
      reported: Array.from({ length: n }, () => 0),
    };
  }

  /** One round from `state`; the state passed in is not modified. */
  async round(state: ServerState): Promise<{ state: ServerState; record: RoundRecord }> {
    const x = state.params;
    const n = this.transport.clients;
    const correction = FEDERATED_ALGORITHMS[this.config.algorithm].correction;
    let bytes = 0;
    let queries = 0;
    const exchange = async (client: number, message: ClientMessage): Promise<ClientReply> => {
      const request = encodeMessage(message);
      const reply = await this.transport.request(client, request);
      bytes += request.length + reply.length;
      const decoded = decodeMessage<ClientReply>(reply);
      if ('queries' in decoded) queries += decoded.queries;
      return decoded;
    };
    const dropped: { client: number; reason: string }[] = [];
    let participants = Array.from({ length: n }, (_, i) => i);

    // SCAFFOLD I's fresh control variates, or FZooS's surrogates around x (from round 2): one more exchange before the local steps.
    let control: Float32Array | undefined;
    let model: FeatureModelMessage | undefined;
    const phase = correction === 'fresh-control' ? 'gradient' : correction === 'features' && state.round > 0 ? 'features' : null;
    if (phase !== null) {
      const replies = await Promise.all(participants.map((i) => exchange(i, { kind: phase, params: x })));
      const grads: Float32Array[] = [];
      const models: FeatureModelMessage[] = [];
      replies.forEach((r, i) => {
        if (r.kind === 'gradient') grads.push(r.grad);
        else if (r.kind === 'features') models.push(r.model);
        else dropped.push({ client: i, reason: reasonOf(r) });
      });
      participants = participants.filter((i) => replies[i]!.kind === phase);
      if (grads.length > 0) control = mean(grads, this.dimension);
      if (models.length > 0) model = { weights: mean(models.map((m) => m.weights), this.config.features), offset: models.reduce((s, m) => s + m.offset, 0) / models.length };
    }
    const reported = state.reported.flatMap((r, i) => (r === 1 ? [i] : []));
    if (correction === 'average-control' && reported.length > 0) control = mean(reported.map((i) => state.controls.subarray(i * this.dimension, (i + 1) * this.dimension)), this.dimension);

    const round = state.round + 1;
    const replies = await Promise.all(participants.map((i) => exchange(i, { kind: 'round', round, params: x, steps: this.config.localSteps, ...(control && { control }), ...(model && { model }) })));
    const done: { client: number; reply: Extract<ClientReply, { kind: 'round' }> }[] = [];
    replies.forEach((reply, k) => {
      const client = participants[k]!;
      if (reply.kind === 'round') done.push({ client, reply });
      else dropped.push({ client, reason: reasonOf(reply) });
    });

    let controls = state.controls;
    const nowReported = [...state.reported];
    if (correction === 'average-control' && done.length > 0) {
      controls = state.controls.slice();
      for (const { client, reply } of done) {
        if (!reply.control) continue;
        controls.set(reply.control, client * this.dimension);
        nowReported[client] = 1;
      }
    }
    let next = x;
    if (done.length > 0) {
      const total = done.reduce((s, d) => s + this.weights[d.client]!, 0);
      const eta = this.config.serverLr;
      next = Float32Array.from(x, (v, j) => v + eta * done.reduce((s, d) => s + (this.weights[d.client]! / total) * (d.reply.params[j]! - v), 0));
    }
    let accepted = done.length > 0;
    let loss = state.loss;
    let hasLoss = state.hasLoss;
    let checkedLoss: number | null = null;
    if (accepted && this.config.acceptance === 'global-loss') {
      const globalLoss = async (params: Float32Array): Promise<number> => {
        const losses = await Promise.all(Array.from({ length: n }, (_, i) => exchange(i, { kind: 'loss', params })));
        const total = this.weights.reduce((s, w) => s + w, 0);
        return losses.reduce((s, r, i) => s + (r.kind === 'loss' ? r.loss : Number.NaN) * this.weights[i]!, 0) / total;
      };
      const before = hasLoss === 1 ? loss : await globalLoss(x);
      checkedLoss = await globalLoss(next);
      accepted = checkedLoss <= before;
      // A NaN F refuses the step and is not kept (state numbers are finite).
      if (accepted) [loss, hasLoss] = [checkedLoss, 1];
      else if (Number.isFinite(before)) [loss, hasLoss] = [before, 1];
      if (!accepted) next = x;
    }
    const meanOf = (values: readonly number[]) => (values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null);
    return {
      state: { ...state, round, params: next === x ? x.slice() : next, queries: state.queries + queries, bytes: state.bytes + bytes, loss, hasLoss, controls, reported: nowReported },
      record: {
        round,
        queries: state.queries + queries,
        bytes: state.bytes + bytes,
        roundQueries: queries,
        roundBytes: bytes,
        accepted,
        dropped,
        clientLoss: meanOf(done.map((d) => d.reply.loss)),
        correction: meanOf(done.map((d) => d.reply.correction)),
        checkedLoss,
      },
    };
  }

  /** Every client's state, for a checkpoint (this traffic is not counted). */
  async saveClients(): Promise<ClientReply[]> {
    return Promise.all(Array.from({ length: this.transport.clients }, async (_, i) => decodeMessage<ClientReply>(await this.transport.request(i, encodeMessage({ kind: 'save' })))));
  }

  /** Restores every client from a checkpoint's states. */
  async loadClients(states: readonly SerializedState[]): Promise<void> {
    if (states.length !== this.transport.clients) throw new RangeError(`the checkpoint holds ${states.length} clients, the transport ${this.transport.clients}`);
    await Promise.all(states.map(async (state, i) => {
      const reply = decodeMessage<ClientReply>(await this.transport.request(i, encodeMessage({ kind: 'load', state })));
      if (reply.kind !== 'loaded') throw new Error(`client ${i} did not load its checkpointed state (reply '${reply.kind}')`);
    }));
  }
}

function reasonOf(reply: ClientReply): string {
  return reply.kind === 'dropped' ? reply.reason : `unexpected reply '${reply.kind}'`;
}

/** The elementwise mean of equal-length vectors, summed in float64, as float32. */
function mean(vectors: readonly Float32Array[], length: number): Float32Array {
  const sum = new Float64Array(length);
  for (const v of vectors) for (let j = 0; j < length; j++) sum[j] += v[j]!;
  return Float32Array.from(sum, (s) => s / vectors.length);
}
