import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { AnyDataset } from '../data/dataset.js';
import type { LossRequest } from '../objectives/loss-oracle.js';
import { splitHoldout } from '../train/run-hooks.js';
import { trainingData } from '../train/trainer.js';
import { type NatsLogin, openConnection } from './channel.js';
import type { Head } from './messages.js';
import type { PartEngine } from './nats-worker.js';
import { WorkerPool, sharedTensor } from './pool.js';

/**
 * Scale-out over NATS in Node: connecting with credentials, a worker's engine (a pool of
 * worker threads, so that the connection stays responsive while parts run) and its data
 * loader (the trainer's), and a worker process's life.
 */

/** How to reach and log in to the NATS server over TCP; TLS is used when any TLS file is given. */
export interface NatsConnectOptions extends NatsLogin {
  /** PEM files: the CA that signed the server's certificate, and the client's certificate and key (mutual TLS). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** A TCP connection (openConnection: reconnecting, errors naming the servers), named after this host by default. */
export function natsConnect(options: NatsConnectOptions): Promise<NatsConnection> {
  const { tls, name } = options;
  return openConnection(connect, { ...options, name: name ?? `forwardprop@${hostname()}` }, tls ? { tls: { ...(tls.ca && { caFile: tls.ca }), ...(tls.cert && { certFile: tls.cert }), ...(tls.key && { keyFile: tls.key }) } } : {});
}

/**
 * A worker's engine: `threads` worker threads (one onnxruntime session each, one intra-op
 * thread), `threads` parts at once. The parts of a step share one batch (NatsWorker hands
 * them the same feeds): it goes to shared memory once, not once per part.
 */
export function poolEngine(threads: number): (head: Head) => Promise<PartEngine> {
  return async (head) => {
    const pool = new WorkerPool(head.params, { workers: threads });
    let last: { readonly source: LossRequest['batch']; readonly shared: LossRequest['batch'] } | undefined;
    return {
      capacity: threads,
      evaluate: async (request, from, to, programs) => {
        if (last?.source !== request.batch) last = { source: request.batch, shared: { x: sharedTensor(request.batch.x), y: sharedTensor(request.batch.y) as LossRequest['batch']['y'] } };
        return (await pool.evaluateCopies({ ...request, batch: last.shared }, [{ from, to }], programs))[0]!;
      },
      dispose: () => pool.close(),
    };
  };
}

/** The run's training split as the trainer has it (classes kept, examples held out). */
export async function runData(spec: NonNullable<Head['data']>): Promise<AnyDataset> {
  const config = { dataset: spec.dataset, seed: spec.seed, ...(spec.classes && { classes: spec.classes }), ...(spec.holdout !== undefined && { holdout: spec.holdout }) };
  return splitHoldout((await trainingData(config)).train, config).train;
}
