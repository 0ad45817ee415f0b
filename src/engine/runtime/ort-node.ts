/**
 * The Node runtime: onnxruntime-node (native, multi-threaded). Selected for Node by
 * the package's "#ort" import condition; ort-web.ts is its browser twin.
 */
import { availableParallelism, cpus } from 'node:os';
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

let threads: Promise<number> | undefined;

/**
 * Cores that other processes are not busy on, measured over 100 ms: the cores' busy time
 * minus this process's own, rounded; at least one.
 */
export async function freeCores(): Promise<number> {
  const busy = () => cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const [before, own, start] = [busy(), process.cpuUsage(), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, 100));
  const elapsed = performance.now() - start;
  const mine = process.cpuUsage(own);
  const others = Math.max(0, (busy() - before - (mine.user + mine.system) / 1000) / elapsed);
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, Math.round(cores - others)));
}

/**
 * Intra-op threads when none are asked for: one per free core (freeCores) when the process
 * creates its first session. onnxruntime's own default, a spinning thread per core, is
 * faster on an idle machine but several times slower when another process holds a core
 * (docs/benchmarks.md). Kept for the process, so that its programs agree; `--threads`
 * overrides it.
 */
export function defaultThreads(): Promise<number> {
  threads ??= freeCores();
  return threads;
}
