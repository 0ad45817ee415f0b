import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Transport } from '../federated/transport.js';
import { ClientEndpoint } from '../federated/transport.js';
import { encodeMessage } from '../federated/wire.js';
import { runNames } from './channel.js';

/**
 * Federated clients as NATS participants: the server's byte transport (src/federated) over
 * request/reply, one subject per client of a run (`fp.<run>.federated.<i>`). Only the
 * federated messages cross — x, control variates, FZooS's random-feature weights, scalars,
 * and a client's state when the server checkpoints or restores it — encoded exactly as the
 * in-process transport encodes them, so a run gives the same rounds either way and counts
 * the same bytes.
 */

/** The subject client `client` of run `run` answers on. @throws RangeError for a bad run name. */
export function federatedSubject(run: string, client: number): string {
  return `fp.${runNames(run).run}.federated.${client}`;
}

/** The server's side: each request to client i goes to the participant serving that index. */
export class NatsTransport implements Transport {
  /**
   * @param timeout milliseconds a client may take to answer one message (its local steps included).
   * @throws RangeError for fewer than one client or a timeout that is not positive.
   */
  constructor(
    readonly nc: NatsConnection,
    readonly run: string,
    readonly clients: number,
    private readonly timeout: number,
  ) {
    if (!Number.isSafeInteger(clients) || clients < 1) throw new RangeError(`clients must be a positive integer, got ${clients}`);
    if (!(timeout > 0)) throw new RangeError(`timeout must be positive milliseconds, got ${timeout}`);
    runNames(run);
  }

  /** @throws RangeError for a client index outside [0, clients); Error naming the client when it does not answer in time. */
  async request(client: number, message: Uint8Array): Promise<Uint8Array> {
    if (!Number.isSafeInteger(client) || client < 0 || client >= this.clients) throw new RangeError(`client must be in [0, ${this.clients}), got ${client}`);
    try {
      return (await this.nc.request(federatedSubject(this.run, client), message, { timeout: this.timeout })).data;
    } catch (e) {
      throw new Error(`client ${client} of run ${this.run} did not answer (${e instanceof Error ? e.message : String(e)}): is \`forwardprop federated --nats … --run ${this.run} --client ${client}\` running?`);
    }
  }

  /** The connection is the caller's: nothing to release. */
  async close(): Promise<void> {}
}

/**
 * A client's side: answers the server's messages on its subject, one at a time (a client's
 * state moves from message to message). A message the client fails on is answered with
 * the 'dropped' reply, naming the error, so the server drops the client for the round
 * instead of waiting out its timeout.
 */
export function serveFederatedClient(nc: NatsConnection, run: string, endpoint: ClientEndpoint, log?: (line: string) => void): Subscription {
  let queue: Promise<unknown> = Promise.resolve();
  return nc.subscribe(federatedSubject(run, endpoint.client.index), {
    callback: (error, msg) => {
      if (error) return log?.(`subscription: ${error.message}`);
      queue = queue.then(async () => {
        let reply: Uint8Array;
        try {
          reply = await endpoint.handle(msg.data);
        } catch (e) {
          const reason = `client ${endpoint.client.index} failed: ${e instanceof Error ? e.message : String(e)}`;
          log?.(reason);
          reply = encodeMessage({ kind: 'dropped', reason, queries: 0 });
        }
        msg.respond(reply);
      });
    },
  });
}
