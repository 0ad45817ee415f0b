import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ModelLossOracle } from '../../src/objectives/model-oracle.js';
import { mlp } from '../../src/nn/factories.js';
import { stepKey } from '../../src/objectives/directions.js';
import type { LossRequest } from '../../src/objectives/loss-oracle.js';
import { RunChannel } from '../../src/scale/channel.js';
import { PROTOCOL, type Task, decode, encode, replySchema, taskSchema } from '../../src/scale/messages.js';
import { natsConnect } from '../../src/scale/nats-node.js';
import { NatsLossOracle } from '../../src/scale/nats-oracle.js';
import { CE, randomBatch } from '../estimators/fixtures.js';
import { type TestServer, startNatsServer, testCertificates } from './nats-server.js';
import { startWorker } from './fixtures.js';

let server: TestServer;
before(async () => {
  server = await startNatsServer();
});
after(() => server.stop());

const model = mlp([8, 16, 3]);
function request(seed: number): LossRequest {
  return { params: model.init(seed), batch: randomBatch(6, [8], 3, seed), perturbation: { kind: 'noise', key: stepKey(seed, 0), distribution: 'rademacher', epsilon: 1e-2, scheme: 'central', first: 0, count: 4 }, directionsPerCall: 1 };
}

function bits(a: Float32Array | Float64Array | undefined): string | undefined {
  return a && Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

async function expectSame(actual: Promise<{ losses: Float32Array; applied?: Float64Array }>, req: LossRequest): Promise<void> {
  const local = new ModelLossOracle(model, CE);
  const expected = await local.evaluate(req);
  await local.dispose();
  const got = await actual;
  assert.equal(bits(got.losses), bits(expected.losses));
  assert.equal(bits(got.applied), bits(expected.applied));
}

test('a coordinator rejects and counts malformed, replayed, foreign and oversized replies, and gets its answer from a real worker', async () => {
  const nc = await natsConnect({ servers: server.url });
  const channel = await RunChannel.create(nc, 'replies');
  const oracle = new NatsLossOracle(channel, model, CE, { timeout: 2000, limit: 4096 });
  // A rogue member of the queue group answers four tasks wrongly, then leaves; a real worker joins after its last answer.
  let real: Awaited<ReturnType<typeof startWorker>> | undefined;
  let joined: Promise<unknown> = Promise.resolve();
  let n = 0;
  channel.nc.subscribe(channel.names.tasks, {
    queue: channel.names.queue,
    max: 4,
    callback: (_e, msg) => {
      const task = decode(taskSchema, msg.data, 'task');
      const result = { kind: 'result', protocol: PROTOCOL, id: task.id, attempt: task.attempt, worker: 'rogue', model: task.model, runtime: task.runtime, losses: new Float32Array(12), queries: 12, applied: new Float64Array(1) } as const;
      if (n === 0) msg.respond(new Uint8Array([1, 2, 3]));
      if (n === 1) msg.respond(encode({ ...result, id: 'another/7' }));
      if (n === 2) msg.respond(encode({ ...result, model: '0'.repeat(64) }));
      if (n === 3) {
        msg.respond(encode({ ...result, losses: new Float32Array(2000) }));
        joined = startWorker(server.url, 'replies', 'real').then((w) => (real = w));
      }
      n++;
    },
  });
  try {
    const req = request(1);
    await expectSame(oracle.evaluate(req), req);
    assert.deepEqual([oracle.stats.malformed, oracle.stats.replayed, oracle.stats.foreign, oracle.stats.oversized], [1, 1, 1, 1]);
    assert.equal(oracle.stats.tasks, 4);
    assert.deepEqual(oracle.stats.workers, { real: 4 }, 'every part answered by the real worker');
  } finally {
    await joined;
    await real?.stop();
    await nc.close();
  }
});

test('a worker rejects and counts malformed, oversized and replayed tasks, and refuses another protocol', async () => {
  const nc = await natsConnect({ servers: server.url });
  const channel = await RunChannel.create(nc, 'tasks');
  const oracle = new NatsLossOracle(channel, model, CE, { timeout: 5000 });
  const worker = await startWorker(server.url, 'tasks', 'w', { limit: 4096 });
  try {
    const req = request(2);
    await expectSame(oracle.evaluate(req), req);
    const head = (await channel.head())!;
    const ask = async (bytes: Uint8Array) => decode(replySchema, (await nc.request(channel.names.tasks, bytes, { timeout: 5000 })).data, 'reply');
    const task: Task = {
      kind: 'task', protocol: PROTOCOL, session: head.session, id: 'probe/1', attempt: 1, model: head.model, runtime: head.runtime, theta: { version: 0, hash: '0'.repeat(64) },
      perturbation: { kind: 'noise', key: 5n, distribution: 'rademacher', epsilon: 0.01, scheme: 'central', first: 0, count: 1 }, batch: { x: { shape: [1, 8], data: new Float32Array(8) }, y: { dtype: 'int64', shape: [1], data: new BigInt64Array(1) } }, from: 0, to: 1, programs: {},
    };
    const reasons = [];
    for (const bytes of [new Uint8Array([0, 0, 0, 9, 1]), encode({ ...task, batch: { indices: new Int32Array(2000) } }), encode(task), encode(task), encode({ ...task, id: 'probe/2', protocol: PROTOCOL + 1 })]) {
      const reply = await ask(bytes);
      assert.equal(reply.kind, 'refused');
      reasons.push((reply as { reason: string }).reason.split(':')[0]);
    }
    assert.deepEqual(reasons, ['malformed', 'oversized', 'diverged', 'replayed', 'protocol']);
    const { stats } = worker.worker;
    assert.deepEqual([stats.malformed, stats.oversized, stats.replayed, stats.refused.protocol, stats.refused.diverged], [1, 1, 1, 1, 1]);
  } finally {
    await worker.stop();
    await nc.close();
  }
});

test('θ changed outside the update records goes to the workers as a dense snapshot', async () => {
  const nc = await natsConnect({ servers: server.url });
  const channel = await RunChannel.create(nc, 'dense');
  const oracle = new NatsLossOracle(channel, model, CE, { timeout: 5000 });
  const worker = await startWorker(server.url, 'dense', 'w');
  try {
    const req = request(3);
    await expectSame(oracle.evaluate(req), req);
    req.params.set(model.init(4));
    await expectSame(oracle.evaluate(req), req);
    assert.equal(oracle.stats.dense, 1);
    await expectSame(oracle.evaluate(req), req);
    assert.equal(oracle.stats.dense, 1, 'the same θ is not sent again');
  } finally {
    await worker.stop();
    await nc.close();
  }
});

test('credentials: a token, a user and password, TLS with the server\'s CA; a wrong one is refused with the server named', async () => {
  const certs = await testCertificates();
  for (const [options, good, bad] of [
    [{ token: 's3cret' }, { token: 's3cret' }, { token: 'wrong' }],
    [{ user: 'fp', pass: 'pw' }, { user: 'fp', pass: 'pw' }, { user: 'fp', pass: 'nope' }],
    [{ tls: { cert: certs.cert, key: certs.key } }, { tls: { ca: certs.ca } }, {}],
  ] as const) {
    const guarded = await startNatsServer(options);
    try {
      await assert.rejects(natsConnect({ servers: guarded.url, ...bad }), new RegExp(`cannot connect to the NATS server at ${guarded.url.replace(/[.:/]/g, '\\$&')}`));
      const nc = await natsConnect({ servers: guarded.url, ...good });
      try {
        const channel = await RunChannel.create(nc, 'guarded');
        await channel.putObject('probe', new Uint8Array([1, 2, 3]));
        assert.deepEqual([...((await channel.object('probe')) ?? [])], [1, 2, 3]);
      } finally {
        await nc.close();
      }
    } finally {
      await guarded.stop();
    }
  }
});
