import { DEVICES, RUNTIME_NAME, ort } from '#ort';
import { type Feeds, bindFeeds, inputName } from '../ir/bind.js';
import type { DType } from '../ir/dtype.js';
import type { GraphSpec } from '../ir/graph.js';
import { HostTensor } from '../ir/host-tensor.js';
import { lowerToBytes } from '../onnx/lower.js';

/**
 * The runtime adapter: the only module that talks to onnxruntime. It lowers a graph
 * once, caches one inference session per distinct model and options, and runs it
 * with inputs that stay in the caller's typed arrays (no copies, no rebuilds when
 * parameter values change).
 */

export interface CompileOptions {
  /** Execution device (default 'cpu'); see `devices()` for what this runtime offers. */
  readonly device?: string;
  /** Intra-op threads for the CPU provider (default: onnxruntime's choice, the core count). */
  readonly threads?: number;
  /** onnxruntime graph optimisation level (default 'all'). */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** The devices this runtime maps to execution providers. */
export function devices(): string[] {
  return Object.keys(DEVICES);
}

export function runtimeName(): string {
  return RUNTIME_NAME;
}

function provider(device: string): string {
  const ep = DEVICES[device];
  if (ep === undefined) throw new RangeError(`unknown device '${device}' for ${RUNTIME_NAME}; valid devices: ${devices().join(', ')}`);
  return ep;
}

const sessions = new Map<string, { bytes: Uint8Array; session: Promise<ort.InferenceSession> }[]>();

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

function sessionFor(bytes: Uint8Array, options: CompileOptions): Promise<ort.InferenceSession> {
  const ep = provider(options.device ?? 'cpu');
  const key = `${fingerprint(bytes)}|${ep}|${options.threads ?? ''}|${options.optimization ?? 'all'}`;
  const bucket = sessions.get(key) ?? [];
  const hit = bucket.find((entry) => sameBytes(entry.bytes, bytes));
  if (hit !== undefined) return hit.session;
  const session = ort.InferenceSession.create(bytes, {
    executionProviders: [ep],
    graphOptimizationLevel: options.optimization ?? 'all',
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    logSeverityLevel: 3,
  });
  bucket.push({ bytes, session });
  sessions.set(key, bucket);
  // A failed creation must not poison the cache.
  session.catch(() => bucket.splice(bucket.findIndex((e) => e.session === session), 1));
  return session;
}

/** Releases every cached session (their native memory); later compiles create new ones. */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()].flat();
  sessions.clear();
  await Promise.all(all.map(async (e) => (await e.session.catch(() => undefined))?.release()));
}

/** A graph lowered to ONNX and bound to an onnxruntime session. */
export class Executable {
  private constructor(
    readonly spec: GraphSpec,
    readonly model: Uint8Array,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(spec: GraphSpec, options: CompileOptions = {}): Promise<Executable> {
    const model = lowerToBytes(spec);
    return new Executable(spec, model, await sessionFor(model, options));
  }

  /** Runs the graph; returns its outputs in order. Feeds are checked against the inputs' dtypes and shapes. */
  async run(feeds: Feeds): Promise<HostTensor[]> {
    const { values } = bindFeeds(this.spec, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    this.spec.inputs.forEach((t, i) => {
      const v = values[i]!;
      ortFeeds[inputName(t)] = new ort.Tensor(v.dtype, v.data, v.shape);
    });
    const results = await this.session.run(ortFeeds);
    return this.spec.outputs.map((t, i) => {
      const r = results[`out${i}`]!;
      return new HostTensor(t.dtype as DType, r.dims, r.data as HostTensor['data']);
    });
  }
}

/**
 * A model file run as it is, not built from a forwardprop graph: the black-box path for
 * files with ops the importer does not map. Feeds and outputs go by the file's names.
 */
export class ModelSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(bytes: Uint8Array, options: CompileOptions = {}): Promise<ModelSession> {
    return new ModelSession(await sessionFor(bytes, options));
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the file on float32 feeds (views of the caller's arrays) and returns every output. */
  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, v]) => [name, new ort.Tensor(v.dtype, v.data, v.shape)]));
    const results = await this.session.run(ortFeeds);
    return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, new HostTensor(r.type as DType, r.dims, r.data as HostTensor['data'])]));
  }
}

/** Lowers `spec` to ONNX and prepares it to run (sessions are shared between identical graphs). */
export function compile(spec: GraphSpec, options: CompileOptions = {}): Promise<Executable> {
  return Executable.create(spec, options);
}
