import { hostname } from 'node:os';
import { backend } from '../engine/runtime/backend.js';
import { PROTOCOL } from '../scale/messages.js';
import { awaitRun } from '../scale/channel.js';
import { natsConnect, poolEngine, runData } from '../scale/nats-node.js';
import { NatsWorker } from '../scale/nats-worker.js';
import { type Command, UsageError, parseFlagsOnly } from './args.js';
import { NATS_FLAGS, natsOptions } from './nats-flags.js';

export const workerCommand = {
  name: 'worker',
  summary: `Joins a run on a NATS server as a worker: answers its coordinator's tasks (perturbation keys, batch indices) with per-example losses until stopped (SIGINT, SIGTERM).
Gets the model and θ from the run (object store, update stream), and the run's data by its name (the same dataset must be at hand: it is checked by hash). Protocol ${PROTOCOL}.`,
  flags: {
    ...NATS_FLAGS,
    threads: { type: 'integer', default: 1, min: 1, help: 'parts evaluated at once, each on its own worker thread with one onnxruntime session of one intra-op thread' },
    name: { type: 'string', help: 'the worker\'s name in replies and logs (default: <host>-<pid>)' },
    json: { type: 'boolean', help: 'print the final counts as one JSON object' },
  },
} as const satisfies Command;

export async function runWorker(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(workerCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const name = flags.name ?? `${hostname()}-${process.pid}`;
  const connection = natsOptions(flags, `forwardprop worker ${name}`);
  if (connection === undefined) throw new UsageError('--nats is required: the server the run is on');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (line: string) => console.error(`worker ${name}: ${line}`);
  const nc = await natsConnect(connection);
  try {
    const channel = await awaitRun(nc, flags.run, { signal: stop.signal, log });
    const worker = new NatsWorker(channel, { name, runtime: backend().name, engine: poolEngine(flags.threads), data: runData, log });
    worker.start();
    log(`joined run '${flags.run}' on ${connection.servers} (${flags.threads} thread${flags.threads === 1 ? '' : 's'})`);
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    await worker.stop();
    if (flags.json) console.log(JSON.stringify(worker.stats));
    else log(`stopped: ${worker.stats.answered} parts answered, ${worker.stats.busy} busy, refused ${JSON.stringify(worker.stats.refused)}, rejected ${worker.stats.malformed} malformed, ${worker.stats.oversized} oversized, ${worker.stats.replayed} replayed`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await nc.close();
  }
}
