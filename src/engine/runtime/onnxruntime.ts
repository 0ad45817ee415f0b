import { DEVICES, RUNTIME_NAME, SESSION_THREADS, WRITES_PREALLOCATED, defaultThreads, ort } from '#ort';
import { type Feeds, bindFeeds, inputName } from '../ir/bind.js';
import type { DType } from '../ir/dtype.js';
import type { GraphSpec } from '../ir/graph.js';
import { HostTensor } from '../ir/host-tensor.js';
import { lowerToBytes } from '../onnx/lower.js';
import { type Backend, type CompileOptions, MAX_THREADS, type Program, registerBackend } from './backend.js';

/**
 * The onnxruntime backend: the only module that talks to onnxruntime (node or web, by
 * the package's "#ort" import condition). A graph is lowered once; identical graphs
 * with identical options share one inference session, counted by reference and
 * released when the last program using it is disposed, so a process that builds
 * models over and over holds only the sessions it still uses. Inputs stay in the
 * caller's typed arrays (no copies, no rebuilds when parameter values change).
 */

function provider(device: string): string {
  const ep = DEVICES[device];
  if (ep === undefined) throw new RangeError(`unknown device '${device}' for ${RUNTIME_NAME}; valid devices: ${Object.keys(DEVICES).join(', ')}`);
  return ep;
}

/** A provider onnxruntime could not start, with what usually fixes it. */
function providerError(ep: string, cause: unknown): Error {
  const hint = ep === 'cuda'
    ? 'CUDA needs an NVIDIA driver and onnxruntime-node installed with its CUDA libraries (without `onnxruntime-node-install=skip` in .npmrc; README, Quick start)'
    : `'${ep}' needs its drivers on this machine`;
  return new Error(`execution provider '${ep}' could not be started: ${(cause as Error).message.split('\n')[0]}. ${hint}; --device cpu always works`, { cause });
}

interface Entry {
  readonly bytes: Uint8Array;
  readonly session: Promise<ort.InferenceSession>;
  refs: number;
}

const sessions = new Map<string, Entry[]>();

/** FNV-1a over the model bytes: a cheap cache key, confirmed by a byte comparison on hit. */
function fingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return `${(h >>> 0).toString(16)}:${bytes.length}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The intra-op threads a program compiled with `options` gets: the ones asked for, or the
 * default (in Node `FORWARDPROP_THREADS` or one per core, whatever the load). Undefined
 * under onnxruntime-web, which sets its threads for the page, not per session. Results
 * depend on it: a run records it.
 * @throws RangeError for threads outside 1 to MAX_THREADS; ThreadsVariableError when FORWARDPROP_THREADS is needed and holds no valid count.
 */
export function threadsFor(options: CompileOptions): number | undefined {
  if (!SESSION_THREADS) return undefined;
  const threads = options.threads ?? defaultThreads();
  if (threads === undefined || (Number.isSafeInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) return threads;
  throw new RangeError(`threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`);
}

function acquire(bytes: Uint8Array, options: CompileOptions): { key: string; entry: Entry } {
  const ep = provider(options.device ?? 'cpu');
  const spinning = options.spinning ?? false;
  const key = `${fingerprint(bytes)}|${ep}|${options.threads ?? 'default'}|${spinning}|${options.optimization ?? 'all'}`;
  const bucket = sessions.get(key) ?? [];
  const hit = bucket.find((e) => sameBytes(e.bytes, bytes));
  if (hit !== undefined) {
    hit.refs++;
    return { key, entry: hit };
  }
  const threads = threadsFor(options);
  const session = ort.InferenceSession.create(bytes, {
    executionProviders: [ep],
    graphOptimizationLevel: options.optimization ?? 'all',
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    // onnxruntime spins by default: on a shared machine the spinning threads take cores other work needs.
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' }, inter_op: { allow_spinning: spinning ? '1' : '0' } } },
    logSeverityLevel: 3,
  }).catch((e: unknown) => {
    throw ep === 'cpu' ? e : providerError(ep, e);
  });
  const entry: Entry = { bytes, session, refs: 1 };
  bucket.push(entry);
  sessions.set(key, bucket);
  // A failed creation must not poison the cache.
  session.catch(() => forget(key, entry));
  return { key, entry };
}

function forget(key: string, entry: Entry): void {
  const bucket = sessions.get(key);
  const i = bucket?.indexOf(entry) ?? -1;
  if (i >= 0) bucket!.splice(i, 1);
  if (bucket?.length === 0) sessions.delete(key);
}

async function release(key: string, entry: Entry): Promise<void> {
  if (--entry.refs > 0) return;
  forget(key, entry);
  await (await entry.session.catch(() => undefined))?.release();
}

/** Sessions alive now (shared ones once): what disposing programs gives back. */
export function liveSessions(): number {
  return [...sessions.values()].reduce((n, bucket) => n + bucket.length, 0);
}

class OnnxProgram implements Program {
  private disposed = false;

  constructor(
    readonly spec: GraphSpec,
    private readonly session: ort.InferenceSession,
    private readonly key: string,
    private readonly entry: Entry,
  ) {}

  async run(feeds: Feeds, into?: readonly (Float32Array | undefined)[]): Promise<HostTensor[]> {
    if (this.disposed) throw new Error('run on a disposed program');
    const { values } = bindFeeds(this.spec, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    this.spec.inputs.forEach((t, i) => {
      const v = values[i]!;
      ortFeeds[inputName(t)] = new ort.Tensor(v.dtype, v.data, v.shape);
    });
    // Pre-allocated outputs: onnxruntime-node writes them in place, instead of into buffers of its own.
    const fetches: Record<string, ort.Tensor | null> = {};
    this.spec.outputs.forEach((t, i) => {
      const array = into?.[i];
      fetches[`out${i}`] = null;
      if (array === undefined) return;
      const shape = t.shape.map((d) => (typeof d === 'number' ? d : Number.NaN));
      if (t.dtype !== 'float32' || shape.some(Number.isNaN) || shape.reduce((a, b) => a * b, 1) !== array.length) {
        throw new RangeError(`output ${i} (${t.dtype}[${t.shape.join(', ')}]) cannot be written into a Float32Array of length ${array.length}`);
      }
      if (WRITES_PREALLOCATED) fetches[`out${i}`] = new ort.Tensor('float32', array, shape);
    });
    const results = await this.session.run(ortFeeds, fetches);
    return this.spec.outputs.map((t, i) => {
      const r = results[`out${i}`]!;
      const array = into?.[i];
      // onnxruntime-node hands back a copy of a pre-allocated output: the array it wrote is the result.
      if (array !== undefined && !WRITES_PREALLOCATED) array.set(r.data as Float32Array);
      return new HostTensor(t.dtype as DType, r.dims, (array ?? r.data) as HostTensor['data']);
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await release(this.key, this.entry);
  }
}

/**
 * A model file run as it is, not built from a forwardprop graph: the black-box path for
 * files with ops the importer does not map. Feeds and outputs go by the file's names;
 * its session is shared and released like a program's.
 */
export class ModelSession {
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly key: string,
    private readonly entry: Entry,
  ) {}

  static async create(bytes: Uint8Array, options: CompileOptions = {}): Promise<ModelSession> {
    const { key, entry } = acquire(bytes, options);
    try {
      return new ModelSession(await entry.session, key, entry);
    } catch (e) {
      await release(key, entry);
      throw e;
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the file on feeds (views of the caller's arrays) and returns every output by name. */
  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    if (this.disposed) throw new Error('run on a disposed model session');
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, v]) => [name, new ort.Tensor(v.dtype, v.data, v.shape)]));
    const results = await this.session.run(ortFeeds);
    return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, new HostTensor(r.type as DType, r.dims, r.data as HostTensor['data'])]));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await release(this.key, this.entry);
  }
}

export const onnxruntime: Backend = {
  name: RUNTIME_NAME,
  devices: () => Object.keys(DEVICES),
  async compile(spec, options) {
    const { key, entry } = acquire(lowerToBytes(spec), options);
    try {
      return new OnnxProgram(spec, await entry.session, key, entry);
    } catch (e) {
      await release(key, entry);
      throw e;
    }
  },
};

registerBackend(onnxruntime);
