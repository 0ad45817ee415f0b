/**
 * The Node runtime: onnxruntime-node (native, multi-threaded). Selected for Node by
 * the package's "#ort" import condition; ort-web.ts is its browser twin.
 */
import { availableParallelism } from 'node:os';
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

/**
 * Intra-op threads when none are asked for: one per core, and idle threads never spin.
 * A function of the machine only, not of its load: onnxruntime's sums depend on the thread
 * count (an MLP 784-300-100-10's loss differs in the 8th digit between 1 and 2 threads),
 * so a default that followed the load would give one seed different numbers from one run
 * to the next. onnxruntime's own default spins, which is faster on an idle machine and
 * several times slower when another process holds a core (docs/benchmarks.md);
 * `--threads` overrides.
 */
export function defaultThreads(): number {
  return availableParallelism();
}
