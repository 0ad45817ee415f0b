import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { resolveFederatedConfig } from '../../src/federated/algorithms.js';
import { FederatedClient, runFeatures } from '../../src/federated/client.js';
import { runFederated } from '../../src/federated/run.js';
import { ClientEndpoint, InProcessTransport } from '../../src/federated/transport.js';
import { type ClientMessage, decodeMessage } from '../../src/federated/wire.js';
import { quadraticProblem } from '../../src/experiments/federated-problems.js';
import { NatsTransport, serveFederatedClient } from '../../src/scale/nats-federated.js';
import { natsConnect } from '../../src/scale/nats-node.js';
import { type TestServer, startNatsServer } from './nats-server.js';

let server: TestServer;
before(async () => {
  server = await startNatsServer();
});
after(() => server.stop());

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

test('FZooS with its clients as NATS participants: the same rounds, bit for bit, and the same bytes as in one process; only round and surrogate messages cross', async () => {
  const dimension = 6;
  const clients = 3;
  const problem = () => quadraticProblem({ dimension, clients, heterogeneity: 5, seed: 2 });
  const config = resolveFederatedConfig({ algorithm: 'fzoos', rounds: 3, localSteps: 3, seed: 4, features: 64, featureNeighbours: 40, estimator: { restarts: 0, neighbours: 30, capacity: 200, initialQueries: 6, candidates: 20, activeQueries: 2 } }, clients);

  const local = problem();
  const inProcess = InProcessTransport.of(local.clients, config, dimension);
  const expected = await runFederated(config, inProcess, local.start, { evaluate: local.global });
  await inProcess.close();

  // Each participant on its own connection, as separate processes would be.
  const remote = problem();
  const features = runFeatures(config, dimension);
  const connections: NatsConnection[] = [];
  const endpoints = remote.clients.map((spec, i) => new ClientEndpoint(new FederatedClient(i, spec, config, dimension, features)));
  for (const endpoint of endpoints) {
    const nc = await natsConnect({ servers: server.url });
    connections.push(nc);
    serveFederatedClient(nc, 'fzoos', endpoint);
    await nc.flush();
  }
  const nc = await natsConnect({ servers: server.url });
  const kinds = new Set<string>();
  nc.subscribe('fp.fzoos.federated.*', {
    callback: (_e, msg) => {
      kinds.add(decodeMessage<ClientMessage>(msg.data).kind);
    },
  });
  await nc.flush();
  try {
    const actual = await runFederated(config, new NatsTransport(nc, 'fzoos', clients, 30_000), remote.start, { evaluate: remote.global });
    assert.equal(bits(actual.state.params), bits(expected.state.params), 'x after the rounds');
    const untimed = (records: typeof actual.records) => records.map((r) => ({ ...r, seconds: 0 }));
    assert.deepEqual(untimed(actual.records), untimed(expected.records), 'every round: loss, queries, bytes, dropped');
    assert.deepEqual([...kinds].sort(), ['features', 'round']);
  } finally {
    await Promise.all([nc, ...connections].map((c) => c.close()));
    await Promise.all(endpoints.map((e) => e.client.dispose()));
  }
});

test('a federated server names the client that does not answer', async () => {
  const nc = await natsConnect({ servers: server.url });
  try {
    const transport = new NatsTransport(nc, 'absent', 2, 200);
    await assert.rejects(transport.request(1, new Uint8Array([1])), /client 1 of run absent did not answer .*--run absent --client 1/);
    await assert.rejects(transport.request(2, new Uint8Array([1])), RangeError);
  } finally {
    await nc.close();
  }
});
