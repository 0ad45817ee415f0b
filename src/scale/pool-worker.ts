import { workerData } from 'node:worker_threads';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { Executor, type ParamShape } from './executor.js';
import type { ThreadJob, ThreadTensor } from './pool.js';

/**
 * A worker thread of the pool (the tinypool entry): one Executor with its own
 * onnxruntime sessions, evaluating the parts of requests the pool sends. θ, the
 * directions, the batch and the programs' bytes arrive in shared memory: the pool copies
 * them once per request, not once per part.
 */

const { params, threads } = (workerData as [unknown, { params: readonly ParamShape[]; threads: number }])[1];
const bytes = new Map<string, Uint8Array>();
// onnxruntime reads a model from an ArrayBuffer only: the shared bytes are copied out once per program.
const executor = new Executor(params, async (hash) => bytes.get(hash)?.slice() ?? Promise.reject(new Error(`program ${hash.slice(0, 12)} was not sent to the worker`)), { threads });

// onnxruntime-node takes feeds in ArrayBuffers only: what is fed as it is (the batch, θ in a
// call of θ alone, the landscape's vectors) is copied out of shared memory; the rest is read in place.
function tensor(t: ThreadTensor): HostTensor {
  return new HostTensor(t.dtype, t.shape, t.data.slice());
}

export default async function evaluate(job: ThreadJob) {
  for (const [hash, program] of Object.entries(job.programs)) bytes.set(hash, program);
  const batch = { x: tensor(job.x) as HostTensor<'float32'>, y: tensor(job.y) as HostTensor<'int64'> | HostTensor<'float32'> };
  if (job.kind === 'copies') return executor.evaluateCopies({ ...job.part, request: { ...job.part.request, params: job.part.request.params.slice(), batch } });
  const { theta, d1, d2 } = job.part;
  return executor.evaluateSurface({ ...job.part, theta: theta.slice(), d1: d1.slice(), d2: d2.slice(), batch });
}

/** Called by the pool before it ends the thread: the sessions are released first. */
export async function teardown(): Promise<void> {
  await executor.dispose();
}
