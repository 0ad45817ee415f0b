import type { Feeds } from '../ir/bind.js';
import type { GraphSpec } from '../ir/graph.js';
import type { HostTensor } from '../ir/host-tensor.js';

/**
 * The runtime seam: a backend compiles graphs into programs and runs them. Everything
 * above the engine compiles through `compile()`, so another runtime (a worker pool, a
 * remote device) plugs in by registering a backend; onnxruntime is the one built in.
 * Backends register by name and priority, as onnxruntime-js's do.
 */

/**
 * The most intra-op threads a program may ask for. onnxruntime creates them all at
 * session creation: 10,000 took minutes and gigabytes before it could be interrupted.
 */
export const MAX_THREADS = 1024;

/** FORWARDPROP_THREADS holds no valid thread count: the environment's fault, a usage error in the CLI. */
export class ThreadsVariableError extends RangeError {
  override readonly name = 'ThreadsVariableError';
}

export interface CompileOptions {
  /** Backend by name (default: the registered one with the highest priority, onnxruntime). */
  readonly backend?: string;
  /** Execution device (default 'cpu'); `backend().devices()` lists what a backend offers. */
  readonly device?: string;
  /** Intra-op threads, 1 to MAX_THREADS (default: the backend's choice; in Node, FORWARDPROP_THREADS or one per core). */
  readonly threads?: number;
  /** Whether idle intra-op threads spin, waiting for work (default false: they yield the core to other processes). */
  readonly spinning?: boolean;
  /** Graph optimisation level (default 'all'). */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** A compiled graph. Owned by whoever compiled it, who must `dispose()` it. */
export interface Program {
  readonly spec: GraphSpec;
  /**
   * Runs the graph on feeds checked against its inputs' dtypes and shapes; returns the
   * outputs in order. `into` holds, by output position, float32 arrays to write outputs
   * into instead of new ones (views of one larger array are fine): an output given one must
   * have a static shape of that size, and its HostTensor then shares the array.
   */
  run(feeds: Feeds, into?: readonly (Float32Array | undefined)[]): Promise<HostTensor[]>;
  /** Releases the program's native resources; running it afterwards throws. Idempotent. */
  dispose(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  /** Device names this backend maps to its execution providers. */
  devices(): readonly string[];
  /** Compiles `spec`; throws a RangeError for an unknown device. */
  compile(spec: GraphSpec, options: CompileOptions): Promise<Program>;
}

const registry = new Map<string, { readonly backend: Backend; readonly priority: number }>();

/** Registers (or replaces) a backend under its name. */
export function registerBackend(backend: Backend, priority = 0): void {
  registry.set(backend.name, { backend, priority });
}

/** The backend named `name`, or the highest-priority one; throws a RangeError naming the registered ones. */
export function backend(name?: string): Backend {
  if (name === undefined) {
    const best = [...registry.values()].sort((a, b) => b.priority - a.priority)[0];
    if (best === undefined) throw new Error('no runtime backend is registered');
    return best.backend;
  }
  const entry = registry.get(name);
  if (entry === undefined) throw new RangeError(`unknown backend '${name}'; registered backends: ${[...registry.keys()].join(', ')}`);
  return entry.backend;
}

/** The float32 data of output `index` of a program's results; throws if it is another dtype or missing. */
export function float32Output(outputs: readonly HostTensor[], index: number): Float32Array {
  const t = outputs[index];
  if (t === undefined || t.dtype !== 'float32') throw new TypeError(`program output ${index} is ${t ? t.dtype : 'missing'}, expected float32`);
  return t.data as Float32Array;
}
