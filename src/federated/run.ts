import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonLines, truncateJsonLines } from '../io/json-lines.js';
import { type SerializedState, deserializeState, serializeState } from '../state/state.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import type { FederatedConfig } from './algorithms.js';
import { FederatedServer, type RoundRecord, type ServerState } from './server.js';
import type { Transport } from './transport.js';
import type { ClientReply } from './wire.js';

export const FEDERATED_CHECKPOINT = 'federated.fpck';
export const ROUNDS_FILE = 'rounds.jsonl';

/** A round as a run reports it: the server's record, the global objective measured by the caller, the time. */
export interface FederatedRecord extends RoundRecord {
  /** `evaluate(x_r)`, or null without an evaluator. Not a query: the experimenter's measurement. */
  readonly globalLoss: number | null;
  readonly seconds: number;
}

export interface FederatedRunOptions {
  /** Directory for the checkpoint (after every round) and rounds.jsonl; nothing is written without one. */
  readonly out?: string;
  /** Continue from the checkpoint in `out`; config.rounds may be larger than when it was written. */
  readonly resume?: boolean;
  /** The global objective at x_r, for the records (e.g. F of a benchmark, or test accuracy). Its evaluations are not counted as queries. */
  readonly evaluate?: (params: Float32Array) => number | Promise<number>;
  readonly onRound?: (record: FederatedRecord) => void;
}

/**
 * Federated zeroth-order optimisation from x₀ for config.rounds rounds over `transport`'s
 * clients: the server's rounds, a record of each (plus round 0 with evaluate), and — with
 * `out` — a checkpoint after every round holding the server's state and every client's
 * (fetched through the transport), from which `resume` continues exactly: the same
 * messages, the same noise, the same points, bit for bit.
 * @throws Error naming the checkpoint when it is unusable or was written for another configuration.
 */
export async function runFederated(config: FederatedConfig, transport: Transport, params: Float32Array, options: FederatedRunOptions = {}): Promise<{ state: ServerState; records: FederatedRecord[] }> {
  const { out, evaluate, onRound } = options;
  const server = new FederatedServer(config, transport, params.length);
  let state = server.init(params);
  const records: FederatedRecord[] = [];
  const checkpointPath = out === undefined ? undefined : join(out, FEDERATED_CHECKPOINT);
  const roundsPath = out === undefined ? undefined : join(out, ROUNDS_FILE);
  const report = async (record: FederatedRecord) => {
    records.push(record);
    onRound?.(record);
    if (roundsPath) await appendJsonLines(roundsPath, [record]);
  };
  if (out !== undefined) await mkdir(out, { recursive: true });
  if (options.resume) {
    if (checkpointPath === undefined || roundsPath === undefined) throw new TypeError('resume needs the run directory (out)');
    const checkpoint = await loadCheckpoint(checkpointPath);
    const differs = Object.keys({ ...config, ...checkpoint.config }).filter((k) => k !== 'rounds' && JSON.stringify((config as unknown as Record<string, unknown>)[k]) !== JSON.stringify(checkpoint.config[k]));
    if (differs.length > 0) throw new Error(`checkpoint ${checkpointPath} was written for another configuration (${differs.join(', ')} differ)`);
    const extras = checkpoint.extras ?? {};
    if (extras.server === undefined) throw new Error(`checkpoint ${checkpointPath} is unusable: it holds no server state`);
    state = deserializeState(extras.server, state);
    await server.loadClients(Array.from({ length: transport.clients }, (_, i) => extras[`client-${i}`] ?? fail(`checkpoint ${checkpointPath} is unusable: it holds no state for client ${i}`)));
    await truncateJsonLines(roundsPath, (r) => (r as { round?: number }).round !== undefined && (r as { round: number }).round <= state.round);
  } else if (evaluate) {
    await report({ round: 0, queries: 0, bytes: 0, roundQueries: 0, roundBytes: 0, accepted: true, dropped: [], clientLoss: null, correction: null, checkedLoss: null, globalLoss: await evaluate(state.params), seconds: 0 });
  }
  while (state.round < config.rounds) {
    const start = performance.now();
    const done = await server.round(state);
    state = done.state;
    await report({ ...done.record, globalLoss: evaluate ? await evaluate(state.params) : null, seconds: (performance.now() - start) / 1000 });
    if (checkpointPath) await checkpoint(checkpointPath, config, state, await server.saveClients());
  }
  return { state, records };
}

function fail(message: string): never {
  throw new Error(message);
}

async function checkpoint(path: string, config: FederatedConfig, state: ServerState, clients: readonly ClientReply[]): Promise<void> {
  const extras: Record<string, SerializedState> = { server: serializeState(state) };
  clients.forEach((reply, i) => {
    if (reply.kind !== 'saved') throw new Error(`client ${i} did not send its state for the checkpoint (reply '${reply.kind}')`);
    extras[`client-${i}`] = reply.state;
  });
  await saveCheckpoint(path, {
    config: config as unknown as Record<string, unknown>,
    progress: { epoch: 0, batch: 0, step: state.round, updates: state.round, queries: state.queries, seconds: 0 },
    params: state.params,
    optimizer: serializeState({}),
    extras,
  });
}
