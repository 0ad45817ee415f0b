import { wsconnect } from '@nats-io/nats-core';
import { type CompileOptions, backend } from '../engine/runtime/backend.js';
import { type NatsLogin, openConnection } from './channel.js';
import { Executor } from './executor.js';
import type { Head } from './messages.js';
import { type JoinedWorker, type PartEngine, joinRun } from './nats-worker.js';

/**
 * A worker in a browser tab (or any JavaScript runtime with WebSocket): it connects to the
 * run's NATS server over WebSocket and answers tasks with one Executor on its own thread —
 * onnxruntime-web in a page. It holds no data: a run that browsers serve sends its batches
 * inline (trainOverNats does so when the coordinator runs onnxruntime-web). Its answers
 * are accepted only by a coordinator of its runtime (the run head's), where they are bit
 * for bit what that coordinator's process would compute itself.
 */

/**
 * An engine of one Executor on this thread: one part at a time, programs kept by hash
 * for the session. Where the engine must not block its thread, use a pool instead (Node: poolEngine).
 */
export function executorEngine(compile: CompileOptions = { threads: 1 }): (head: Head) => Promise<PartEngine> {
  return async (head) => {
    const programs = new Map<string, Uint8Array>();
    const executor = new Executor(head.params, async (hash) => programs.get(hash) ?? Promise.reject(new Error(`program ${hash.slice(0, 12)} was not fetched`)), compile);
    return {
      capacity: 1,
      evaluate: (request, from, to, parts) => {
        for (const { hash, bytes } of Object.values(parts)) programs.set(hash, bytes);
        const hashes = Object.fromEntries(Object.entries(parts).map(([key, program]) => [key, program.hash]));
        return executor.evaluateCopies({ kind: 'copies', request, from, to, programs: hashes });
      },
      dispose: () => executor.dispose(),
    };
  };
}

/** The server (WebSocket URLs: ws://host:8080, wss://host:443) and credentials, the run, and the worker's name. */
export interface WebSocketWorkerOptions extends Omit<NatsLogin, 'name'> {
  /** The run's name (as the coordinator's --run). */
  readonly run: string;
  /** The worker's name in replies and in the coordinator's counts. */
  readonly name: string;
  /** Stops waiting for the run to be started. */
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

/**
 * Connects over WebSocket (reconnecting every 250 ms for as long as it is open), waits for
 * the run's coordinator, and joins the run's queue group with an executorEngine.
 * @throws Error naming the servers when the first connection fails.
 */
export async function joinOverWebSocket(options: WebSocketWorkerOptions): Promise<JoinedWorker> {
  const { servers, run, name, token, user, pass, signal, log } = options;
  const nc = await openConnection(wsconnect, { servers, name: `forwardprop worker ${name}`, ...(token !== undefined && { token }), ...(user !== undefined && { user, pass: pass ?? '' }) });
  try {
    const joined = await joinRun(nc, run, { name, runtime: backend().name, engine: executorEngine(), ...(log && { log }) }, { ...(signal && { signal }) });
    log?.(`joined run '${run}' on ${servers} (${backend().name})`);
    return joined;
  } catch (e) {
    await nc.close();
    throw e;
  }
}
