import type { FederatedConfig } from './algorithms.js';
import { type ClientSpec, type ClientState, FederatedClient, runFeatures } from './client.js';
import { type ClientMessage, decodeMessage, encodeMessage } from './wire.js';

/**
 * What carries the server's messages to its clients: one request, one reply, as bytes
 * (wire.ts). This is the whole seam between the algorithm and where clients run: in this
 * process (InProcessTransport) or behind a message broker, where a client process decodes
 * each request, calls FederatedClient.handle with its state and sends the encoded reply
 * (`ClientEndpoint` is that loop's body).
 */
export interface Transport {
  /** How many clients answer, indexed 0 … clients − 1. */
  readonly clients: number;
  /** Sends an encoded ClientMessage to client `client`; resolves with its encoded ClientReply. */
  request(client: number, message: Uint8Array): Promise<Uint8Array>;
  /** Releases the clients (their compiled programs, connections). */
  close(): Promise<void>;
}

/** A client and its state behind the byte interface: decode, handle, keep the new state, encode the reply. */
export class ClientEndpoint {
  private state: ClientState;

  constructor(readonly client: FederatedClient) {
    this.state = client.init();
  }

  async handle(request: Uint8Array): Promise<Uint8Array> {
    const { state, reply } = await this.client.handle(this.state, decodeMessage<ClientMessage>(request));
    this.state = state;
    return encodeMessage(reply);
  }
}

/**
 * Clients in this process, each behind its endpoint, so the messages are encoded and
 * decoded exactly as over a network (nothing is shared by reference, and the bytes are real).
 * Throws RangeError for no clients or a bad client index.
 */
export class InProcessTransport implements Transport {
  readonly clients: number;

  constructor(private readonly endpoints: readonly ClientEndpoint[]) {
    if (endpoints.length === 0) throw new RangeError('a transport needs at least one client');
    this.clients = endpoints.length;
  }

  /** Clients for `specs` under `config`, sharing one copy of the run's random features. */
  static of(specs: readonly ClientSpec[], config: FederatedConfig, dimension: number): InProcessTransport {
    const features = config.algorithm === 'fzoos' ? runFeatures(config, dimension) : undefined;
    return new InProcessTransport(specs.map((spec, i) => new ClientEndpoint(new FederatedClient(i, spec, config, dimension, features))));
  }

  request(client: number, message: Uint8Array): Promise<Uint8Array> {
    const endpoint = this.endpoints[client];
    if (endpoint === undefined) throw new RangeError(`client must be in [0, ${this.clients}), got ${client}`);
    return endpoint.handle(message);
  }

  async close(): Promise<void> {
    await Promise.all(this.endpoints.map((e) => e.client.dispose()));
  }
}
