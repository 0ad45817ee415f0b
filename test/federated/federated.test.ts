import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEstimator } from '../../src/estimators/registry.js';
import { type FederatedConfig, resolveFederatedConfig } from '../../src/federated/algorithms.js';
import type { ClientSpec } from '../../src/federated/client.js';
import { runFederated } from '../../src/federated/run.js';
import { InProcessTransport, type Transport } from '../../src/federated/transport.js';
import { type ClientMessage, type ClientReply, decodeMessage, encodeMessage } from '../../src/federated/wire.js';
import { vectorDataset, vectorOracle } from '../../src/objectives/vector-objective.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { serializeState } from '../../src/state/state.js';
import { federatedQuadratic } from '../../src/surrogate/test-functions.js';
import { initTrainState, runSteps } from '../../src/train/step.js';

const d = 6;
const problem = federatedQuadratic({ dimension: d, clients: 3, heterogeneity: 5, seed: 2 });
/** FZooS's quadratic in its code's coordinates: u ∈ [0, 1]^d, clipped, mapped onto [−10, 10]^d. */
const onBox = (f: (x: Float64Array) => number) => (u: Float64Array) => f(u.map((v) => -10 + 20 * Math.min(1, Math.max(0, v))));
const clientOf = (f: (x: Float64Array) => number, seed?: number): ClientSpec => ({ oracle: vectorOracle(d, onBox(f)), data: vectorDataset(), batchSize: 1, ...(seed !== undefined && { seed }) });
const heterogeneous = () => problem.clients.map((f) => clientOf((x) => f.value(x)));
const start = () => Float32Array.from({ length: d }, (_, i) => 0.2 + 0.1 * i);
const small = { features: 64, featureNeighbours: 40, estimator: {} } as const;
const surrogateSmall = { restarts: 0, neighbours: 30, capacity: 200, initialQueries: 6, candidates: 20, activeQueries: 2 };

function config(overrides: Partial<FederatedConfig> & Pick<FederatedConfig, 'algorithm'>, clients: number): FederatedConfig {
  return resolveFederatedConfig({ rounds: 3, localSteps: 3, seed: 4, ...small, ...overrides }, clients);
}

/** A transport that keeps every decoded message and reply and the bytes both ways, around the in-process one. */
class Recorder implements Transport {
  readonly messages: { client: number; message: ClientMessage }[] = [];
  readonly replies: { client: number; reply: ClientReply }[] = [];
  bytes = 0;
  constructor(private readonly inner: Transport) {}
  get clients(): number {
    return this.inner.clients;
  }
  async request(client: number, message: Uint8Array): Promise<Uint8Array> {
    const reply = await this.inner.request(client, message);
    this.messages.push({ client, message: decodeMessage<ClientMessage>(message) });
    this.bytes += message.length + reply.length;
    this.replies.push({ client, reply: decodeMessage<ClientReply>(reply) });
    return reply;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test('FedZO with one client is centralised zeroth-order training with the same noise keys, bit for bit', async () => {
  const f = onBox((x) => problem.global.value(x));
  for (const [optimizer, resetOptimizer] of [['sgd', true], ['adam', false]] as const) {
    const cfg = config({ algorithm: 'fedzo', rounds: 3, localSteps: 4, optimizer, lr: 0.05, resetOptimizer, estimator: { directions: 3 } }, 1);
    const transport = InProcessTransport.of([{ oracle: vectorOracle(d, f), data: vectorDataset(), batchSize: 1, seed: 9 }], cfg, d);
    const federated = await runFederated(cfg, transport, start());
    await transport.close();
    const estimator = createEstimator('rgf', { oracle: vectorOracle(d, f), seed: 9 }, { directions: 3, epsilon: 0.01 });
    const stepper = { estimator, optimizer: createOptimizer(optimizer, { lr: 0.05 }) };
    const central = await runSteps(stepper, initTrainState(stepper, start(), 1), vectorDataset(), { batchSize: 1, seed: 9, steps: 12 });
    assert.deepEqual(federated.state.params, central.params, optimizer);
    assert.equal(federated.state.queries, central.progress.queries);
    assert.notDeepEqual(central.params, start());
  }
});

test('the correction is exactly zero when the clients are identical, and not otherwise (FZooS, SCAFFOLD I and II)', async () => {
  const same = (x: Float64Array) => problem.clients[0]!.value(x);
  for (const algorithm of ['fzoos', 'scaffold-1', 'scaffold-2'] as const) {
    const cfg = config({ algorithm, estimator: algorithm === 'fzoos' ? surrogateSmall : { directions: 3 } }, 3);
    for (const identical of [true, false]) {
      const specs = identical ? [0, 1, 2].map(() => clientOf(same, 5)) : heterogeneous();
      const transport = InProcessTransport.of(specs, cfg, d);
      const { records } = await runFederated(cfg, transport, start());
      await transport.close();
      // Round 1 has no correction yet (SCAFFOLD I's fresh control variates start at once).
      const corrected = records.slice(algorithm === 'scaffold-1' ? 0 : 1);
      if (identical) assert.ok(corrected.every((r) => r.correction === 0), `${algorithm}: ${corrected.map((r) => r.correction)}`);
      else assert.ok(corrected.every((r) => r.correction! > 0), `${algorithm}: ${corrected.map((r) => r.correction)}`);
    }
  }
});

test('a federated run checkpoints the server and every client, and resumes exactly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federated-'));
  try {
    for (const algorithm of ['fzoos', 'scaffold-2'] as const) {
      const cfg = config({ algorithm, rounds: 4, localSteps: 2, estimator: algorithm === 'fzoos' ? surrogateSmall : { directions: 3 } }, 3);
      const straight = InProcessTransport.of(heterogeneous(), cfg, d);
      const whole = await runFederated(cfg, straight, start());
      const out = join(dir, algorithm);
      const first = InProcessTransport.of(heterogeneous(), cfg, d);
      await runFederated({ ...cfg, rounds: 2 }, first, start(), { out });
      await first.close();
      // A fresh set of clients (new objects, empty caches) picks up from the file.
      const second = new Recorder(InProcessTransport.of(heterogeneous(), cfg, d));
      const resumed = await runFederated(cfg, second, start(), { out, resume: true });
      assert.deepEqual(resumed.state.params, whole.state.params, algorithm);
      assert.equal(resumed.state.queries, whole.state.queries);
      assert.equal(resumed.state.bytes, whole.state.bytes);
      assert.deepEqual(serializeState(resumed.state), serializeState(whole.state));
      const clientsOf = async (t: Transport) => Promise.all([0, 1, 2].map(async (i) => decodeMessage<ClientReply>(await t.request(i, encodeMessage({ kind: 'save' })))));
      assert.deepEqual(await clientsOf(second), await clientsOf(straight));
      await straight.close();
      await second.close();
      await assert.rejects(runFederated({ ...cfg, lr: 0.5 }, InProcessTransport.of(heterogeneous(), cfg, d), start(), { out, resume: true }), /written for another configuration \(lr differ/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client whose losses turn NaN loses that round alone: it is reported, the others are averaged, its queries count', async () => {
  let calls = 0;
  // Client 1's objective fails on its queries 10 to 12 (round 2's first step: 3 steps × 3 queries a round), then recovers.
  const flaky = clientOf((x) => (++calls >= 10 && calls <= 12 ? Number.NaN : problem.clients[1]!.value(x)));
  const specs = [heterogeneous()[0]!, flaky, heterogeneous()[2]!];
  const cfg = config({ algorithm: 'fedzo', rounds: 3, localSteps: 3, estimator: { directions: 2 } }, 3);
  const transport = new Recorder(InProcessTransport.of(specs, cfg, d));
  const { records, state } = await runFederated(cfg, transport, start());
  assert.deepEqual(records.map((r) => r.dropped.map((x) => x.client)), [[], [1], []]);
  assert.match(records[1]!.dropped[0]!.reason, /local step \d+: the loss is NaN/);
  // Round 2's point: x₁ moved by the mean of clients 0 and 2's steps, in the server's arithmetic.
  const sent = (round: number) => transport.messages.find(({ message }) => message.kind === 'round' && message.round === round)!.message as Extract<ClientMessage, { kind: 'round' }>;
  const points = transport.replies.slice(3, 6).flatMap(({ reply }) => (reply.kind === 'round' ? [reply.params] : []));
  assert.equal(points.length, 2);
  const x1 = sent(2).params;
  assert.deepEqual(sent(3).params, Float32Array.from(x1, (v, j) => v + points.reduce((s, p) => s + 0.5 * (p[j]! - v), 0)));
  assert.ok(records[2]!.accepted && state.params.every(Number.isFinite));
  // Every query is counted, the dropped round's included: 3 clients × 3 rounds × 3 steps × (1 + 2) queries, less the steps client 1 never took.
  const dropped = transport.replies.find(({ reply }) => reply.kind === 'dropped')!.reply as Extract<ClientReply, { kind: 'dropped' }>;
  assert.ok(dropped.queries > 0);
  assert.equal(state.queries, transport.replies.reduce((s, { reply }) => s + ('queries' in reply ? reply.queries : 0), 0));
  assert.equal(state.bytes, transport.bytes);
});

test('acceptance by the global loss spends one query per client per check, counted, and keeps x when F rose', async () => {
  const cfg = config({ algorithm: 'fedzo', rounds: 2, localSteps: 2, acceptance: 'global-loss', estimator: { directions: 2 } }, 3);
  const transport = new Recorder(InProcessTransport.of(heterogeneous(), cfg, d));
  const { records } = await runFederated(cfg, transport, start());
  // Local: 3 clients × 2 steps × 3 queries; checks: F(x₀) and F(x₁) in round 1, F(x₂) in round 2.
  assert.deepEqual(records.map((r) => r.roundQueries), [18 + 6, 18 + 3]);
  const f0 = problem.clients.map((f) => Math.fround(onBox((x) => f.value(x))(Float64Array.from(start())))).reduce((a, b) => a + b, 0) / 3;
  assert.equal(records[0]!.accepted, records[0]!.checkedLoss! <= f0);
  // Clients whose losses all rise away from x₀: every round is refused and x stays at x₀.
  const bowl = (u: Float64Array) => u.reduce((s, v, i) => s + (v - start()[i]!) ** 2, 0);
  const flat = config({ algorithm: 'fedzo', rounds: 2, localSteps: 2, acceptance: 'global-loss', estimator: { directions: 2 } }, 2);
  const refused = await runFederated(flat, InProcessTransport.of([0, 1].map(() => ({ oracle: vectorOracle(d, bowl), data: vectorDataset(), batchSize: 1 })), flat, d), start());
  assert.deepEqual(refused.records.map((r) => r.accepted), [false, false]);
  assert.deepEqual(refused.state.params, start());
});

test('bad configurations are refused, naming the field', () => {
  assert.throws(() => resolveFederatedConfig({ algorithm: 'fedzo', rounds: 0, localSteps: 1, seed: 0 }, 2), /^RangeError: rounds must be an integer ≥ 1, got 0/);
  assert.throws(() => resolveFederatedConfig({ algorithm: 'fedzo', rounds: 1, localSteps: -1, seed: 0 }, 2), /^RangeError: localSteps must be an integer ≥ 1, got -1/);
  assert.throws(() => resolveFederatedConfig({ algorithm: 'fedavg' as 'fedzo', rounds: 1, localSteps: 1, seed: 0 }, 2), /algorithm must be one of fedzo, fedprox, scaffold-1, scaffold-2, fzoos; got 'fedavg'/);
  assert.throws(() => resolveFederatedConfig({ algorithm: 'fedzo', rounds: 1, localSteps: 1, seed: 0, weights: [1] }, 2), /weights must hold 2 finite numbers > 0/);
  assert.throws(() => resolveFederatedConfig({ algorithm: 'fedzo', rounds: 1, localSteps: 1, seed: 0, acceptance: 'sometimes' as 'always' }, 2), /acceptance must be 'always' or 'global-loss'/);
  const cfg = config({ algorithm: 'fedzo' }, 1);
  assert.throws(() => InProcessTransport.of([{ oracle: vectorOracle(d + 1, () => 0), data: vectorDataset(), batchSize: 1 }], cfg, d), /client 0: its oracle takes 7 parameters, the run 6/);
});
