/**
 * The Node runtime: onnxruntime-node (native, multi-threaded). Selected for Node by
 * the package's "#ort" import condition; ort-web.ts is its browser twin.
 */
import { availableParallelism } from 'node:os';
import { MAX_THREADS, ThreadsVariableError } from './backend.js';
import ort from 'onnxruntime-node';

export { ort };
export const RUNTIME_NAME = 'onnxruntime-node';
/** Whether the runtime writes pre-allocated CPU outputs in place (onnxruntime-node does, and hands back a copy). */
export const WRITES_PREALLOCATED = true;

/** Device names mapped to onnxruntime-node execution providers. */
export const DEVICES: Readonly<Record<string, string>> = Object.freeze({
  cpu: 'cpu',
  webgpu: 'webgpu',
  cuda: 'cuda',
  tensorrt: 'tensorrt',
  dml: 'dml',
  coreml: 'coreml',
});

/** Whether sessions take their own intra-op thread count (onnxruntime-web's are the page's). */
export const SESSION_THREADS = true;

/** The environment variable that sets the default intra-op threads of a process (every command, every experiment). */
export const THREADS_VARIABLE = 'FORWARDPROP_THREADS';

/**
 * Intra-op threads when none are asked for: `FORWARDPROP_THREADS` if set (and not empty),
 * else one per core; idle threads never spin. A function of the machine only, not of its
 * load: onnxruntime's sums depend on the thread count (an MLP 784-300-100-10's loss
 * differs in the 8th digit between 1 and 2 threads), so a default that followed the load
 * would give one seed different numbers from one run to the next. The variable pins the
 * count for commands without `--threads` (the experiments), to compare across machines.
 * onnxruntime's own default spins, which is faster on an idle machine and several times
 * slower when another process holds a core (docs/benchmarks.md).
 * @throws ThreadsVariableError when FORWARDPROP_THREADS is not an integer from 1 to MAX_THREADS.
 */
export function defaultThreads(): number {
  const set = process.env[THREADS_VARIABLE];
  if (set === undefined || set === '') return availableParallelism();
  const threads = /^[1-9][0-9]{0,9}$/.test(set) ? Number(set) : Number.NaN;
  if (!(threads <= MAX_THREADS)) throw new ThreadsVariableError(`${THREADS_VARIABLE} must be a whole number of intra-op threads from 1 to ${MAX_THREADS}, got '${set}'`);
  return threads;
}
