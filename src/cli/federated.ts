import { join } from 'node:path';
import { DATASET_SPECS, loadDataset } from '../data/load.js';
import { type FederatedProblem, quadraticProblem, shardedProblem } from '../experiments/federated-problems.js';
import { FEDERATED_ALGORITHMS, FEDERATED_ALGORITHM_NAMES, type FederatedAlgorithmName, resolveFederatedConfig } from '../federated/algorithms.js';
import { FEDERATED_CHECKPOINT, type FederatedRecord, ROUNDS_FILE, runFederated } from '../federated/run.js';
import { FederatedClient, runFeatures } from '../federated/client.js';
import { ClientEndpoint, InProcessTransport, type Transport } from '../federated/transport.js';
import { natsConnect } from '../scale/nats-node.js';
import { NatsTransport, serveFederatedClient } from '../scale/nats-federated.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonLines } from '../io/json-lines.js';
import { curves } from '../experiments/federated-study.js';
import { writeExperimentResult } from '../report/result.js';
import { modelFromSpec } from '../nn/factories.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { OPTIMIZER_NAMES } from '../optim/registry.js';
import { Evaluator } from '../train/evaluate.js';
import { type Command, UsageError, parseFlags, parseFlagsOnly } from './args.js';
import { NATS_FLAGS, natsOptions } from './nats-flags.js';
import { timestamp } from './progress.js';

export const SUMMARY_FILE = 'summary.json';

export const federatedCommand = {
  name: 'federated',
  summary: `Federated zeroth-order optimisation: N clients take local steps on their own objectives, a server averages.
Algorithms: ${FEDERATED_ALGORITHM_NAMES.map((a) => `${a} (${FEDERATED_ALGORITHMS[a].summary})`).join('; ')}.
Problems: FZooS's heterogeneous quadratic (--problem quadratic), or a model trained on shards of a data set (--dataset, --model).
Writes <out>/${ROUNDS_FILE} (one record per round: global loss, queries, bytes, dropped clients), ${FEDERATED_CHECKPOINT} after every round (--resume continues it), ${SUMMARY_FILE} and result.json (its curves, for forwardprop report).
With --nats the clients are NATS participants: start each with the same flags and --client <i>, and the server without --client; only the federated messages cross.`,
  flags: {
    algorithm: { type: 'string', default: 'fzoos', choices: FEDERATED_ALGORITHM_NAMES, help: 'federated algorithm' },
    clients: { type: 'integer', default: 5, min: 2, help: 'clients N' },
    rounds: { type: 'integer', default: 50, min: 1, help: 'communication rounds R' },
    'local-steps': { type: 'integer', default: 10, min: 1, help: 'local steps T per round' },
    problem: { type: 'string', default: 'quadratic', choices: ['quadratic', 'dataset'], help: 'what the clients minimise' },
    dimension: { type: 'integer', default: 300, min: 1, help: 'quadratic: dimension d' },
    heterogeneity: { type: 'number', default: 5, min: 0, help: 'quadratic: C, how far the clients differ' },
    dataset: { type: 'string', default: 'mnist', help: `dataset problem: data split into one shard per client (${DATASET_SPECS.join(' | ')})` },
    model: { type: 'string', default: 'mlp:784-32-10', help: 'dataset problem: the model' },
    'batch-size': { type: 'integer', default: 32, min: 1, help: 'dataset problem: examples per local step' },
    optimizer: { type: 'string', default: 'adam', choices: OPTIMIZER_NAMES, help: 'the clients\' optimiser (reset each round)' },
    lr: { type: 'number', default: 0.01, min: 0, help: 'the clients\' learning rate' },
    'server-lr': { type: 'number', default: 1, min: 0, help: 'server step η_g (1: averaging)' },
    acceptance: { type: 'string', default: 'always', choices: ['always', 'global-loss'], help: 'keep x_{r−1} when F rose (global-loss: one query per client per check, counted)' },
    proximal: { type: 'number', default: 1, min: 0, help: 'fedprox: μ' },
    directions: { type: 'integer', min: 1, help: 'RGF directions per local step (default 20)' },
    epsilon: { type: 'number', min: 0, help: 'RGF finite-difference step (default 0.01)' },
    features: { type: 'integer', default: 10_000, min: 1, help: 'fzoos: random features M' },
    restarts: { type: 'integer', min: 0, help: 'fzoos: GP likelihood restarts per refit (default 5)' },
    'refit-every': { type: 'integer', min: 1, help: 'fzoos: refit the GP hyperparameters every this many local steps (default 1)' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'run directory (default: runs/federated-<time>)' },
    resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint (--rounds may grow)' },
    json: { type: 'boolean', help: 'one JSON object per round, then the summary' },
    ...NATS_FLAGS,
    client: { type: 'integer', min: 0, help: 'with --nats: serve as client i of the run (same flags as the server) until stopped (SIGINT, SIGTERM)' },
    'nats-timeout': { type: 'number', default: 600, min: 0.001, help: 'with --nats: seconds the server waits for a client\'s answer to one message (its local steps included)' },
  },
} as const satisfies Command;

export async function runFederatedCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(federatedCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  if (flags.resume && flags.out === undefined) throw new UsageError('--resume needs --out, the run to continue');
  const algorithm = flags.algorithm as FederatedAlgorithmName;
  const local = FEDERATED_ALGORITHMS[algorithm].local;
  const rgfOnly = { directions: flags.directions, epsilon: flags.epsilon };
  const surrogateOnly = { restarts: flags.restarts, 'refit-every': flags['refit-every'] };
  for (const [flag, value] of Object.entries(local === 'rgf' ? surrogateOnly : rgfOnly)) {
    if (value !== undefined) throw new UsageError(`--${flag} does not apply to ${algorithm} (its local estimator is ${local})`);
  }
  const estimator = Object.fromEntries(
    Object.entries(local === 'rgf' ? { directions: flags.directions, epsilon: flags.epsilon } : { restarts: flags.restarts, refitEvery: flags['refit-every'] }).filter(([, v]) => v !== undefined),
  ) as Record<string, number>;
  const nats = natsOptions(flags, `forwardprop federated${flags.client === undefined ? '' : ` client ${flags.client}`}`);
  if (flags.client !== undefined && nats === undefined) throw new UsageError('--client needs --nats: a client serves a run on a NATS server');
  if (flags.client !== undefined && flags.client >= flags.clients) throw new UsageError(`--client must be in [0, ${flags.clients}) (--clients ${flags.clients}), got ${flags.client}`);
  let accuracy: number | undefined;
  const problem = await buildProblem(flags, (a) => (accuracy = a));
  const config = resolveFederatedConfig(
    {
      algorithm,
      rounds: flags.rounds,
      localSteps: flags['local-steps'],
      optimizer: flags.optimizer,
      lr: flags.lr,
      serverLr: flags['server-lr'],
      acceptance: flags.acceptance as 'always' | 'global-loss',
      proximal: flags.proximal,
      estimator,
      features: flags.features,
      seed: flags.seed,
    },
    flags.clients,
  );
  const connection = nats && (await natsConnect(nats));
  if (connection && flags.client !== undefined) {
    try {
      return await serveClient(connection, flags.run, new FederatedClient(flags.client, problem.clients[flags.client]!, config, problem.start.length, config.algorithm === 'fzoos' ? runFeatures(config, problem.start.length) : undefined));
    } finally {
      await problem.dispose();
      await connection.close();
    }
  }
  const out = flags.out ?? join('runs', `federated-${timestamp()}`);
  const transport: Transport = connection ? new NatsTransport(connection, flags.run, flags.clients, 1000 * flags['nats-timeout']) : InProcessTransport.of(problem.clients, config, problem.start.length);
  const start = performance.now();
  const print = (r: FederatedRecord) => {
    if (flags.json) return console.log(JSON.stringify({ ...r, ...(accuracy !== undefined && { test_acc: accuracy }) }));
    const dropped = r.dropped.length > 0 ? `  dropped ${r.dropped.map((d) => `${d.client} (${d.reason})`).join(', ')}` : '';
    const acc = accuracy !== undefined ? `  test acc ${(100 * accuracy).toFixed(2)}%` : '';
    console.log(`round ${String(r.round).padStart(3)}  F ${r.globalLoss?.toPrecision(6)}${acc}  queries ${r.queries}  bytes ${r.bytes}${r.accepted ? '' : '  (refused)'}${dropped}`);
  };
  try {
    const { state, records } = await runFederated(config, transport, problem.start, { out, resume: flags.resume === true, evaluate: problem.global, onRound: print });
    const last = records.at(-1);
    const summary = { algorithm, clients: flags.clients, rounds: state.round, local_steps: config.localSteps, problem: flags.problem, global_loss: last?.globalLoss ?? null, ...(accuracy !== undefined && { test_acc: accuracy }), queries: state.queries, bytes: state.bytes, wall_s: (performance.now() - start) / 1000, seed: flags.seed };
    await writeFileAtomic(join(out, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
    // The whole run's curves (a resumed run's records hold only this session's rounds), for forwardprop report.
    const run = { algorithm, records: (await readJsonLines(join(out, ROUNDS_FILE))).records as FederatedRecord[] };
    const loss = { title: 'F (global objective)', value: (r: FederatedRecord) => r.globalLoss };
    await writeExperimentResult(out, {
      kind: 'federated',
      title: `forwardprop federated: ${algorithm}, ${flags.clients} clients, ${flags.problem}`,
      conditions: { algorithm, clients: flags.clients, rounds: state.round, local_steps: config.localSteps, problem: flags.problem, seed: flags.seed },
      tables: [{ title: 'Final', columns: ['rounds', 'F', 'queries', 'bytes'], rows: [[state.round, summary.global_loss, state.queries, state.bytes]] }],
      charts: [curves('F against rounds', [run], 'round', loss), curves('F against queries', [run], 'queries', loss)],
    });
    if (flags.json) console.log(JSON.stringify(summary));
    else console.log(`\n${algorithm}: F ${summary.global_loss?.toPrecision(6)} after ${state.round} rounds, ${state.queries} queries, ${state.bytes} bytes; run directory ${out}`);
  } finally {
    await transport.close();
    await problem.dispose();
    await connection?.close();
  }
  return 0;
}

/** A client process: answers the run's server on its subject until SIGINT or SIGTERM. */
async function serveClient(nc: Awaited<ReturnType<typeof natsConnect>>, run: string, client: FederatedClient): Promise<number> {
  const log = (line: string) => console.error(`federated client ${client.index}: ${line}`);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const subscription = serveFederatedClient(nc, run, new ClientEndpoint(client), log);
    await nc.flush();
    log(`serving run '${run}'`);
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    await subscription.drain();
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.dispose();
  }
}

type Flags = ReturnType<typeof parseFlags<typeof federatedCommand.flags>>['flags'];

async function buildProblem(flags: Flags, onAccuracy: (accuracy: number) => void): Promise<FederatedProblem> {
  if (flags.problem === 'quadratic') return quadraticProblem({ dimension: flags.dimension, clients: flags.clients, heterogeneity: flags.heterogeneity, seed: flags.seed });
  const data = await loadDataset(flags.dataset);
  const model = modelFromSpec(flags.model, data.train.inputShape, data.train.classes);
  const objective = crossEntropyObjective();
  const evaluator = new Evaluator(model, objective);
  const problem = shardedProblem({
    model,
    objective,
    train: data.train,
    clients: flags.clients,
    batchSize: flags['batch-size'],
    seed: flags.seed,
    start: model.init(flags.seed),
    global: async (params) => {
      const e = await evaluator.evaluate(params, data.test);
      onAccuracy(e.accuracy);
      return e.loss;
    },
  });
  return { ...problem, dispose: async () => Promise.all([problem.dispose(), evaluator.dispose()]).then(() => undefined) };
}
