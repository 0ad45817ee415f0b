import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import type { Batch } from '../data/batches.js';
import type { DType, HostArrays } from '../engine/ir/dtype.js';
import { HostTensor as HostTensorClass } from '../engine/ir/host-tensor.js';
import type { HostTensor } from '../engine/ir/host-tensor.js';
import { type SurfaceLosses, checkSurface, surfaceCallCount } from '../landscape/surface.js';
import type { Model } from '../nn/model.js';
import { type CallsResult, assembleCalls, callRows, planCalls } from '../objectives/copy-calls.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest } from '../objectives/loss-oracle.js';
import type { Objective } from '../objectives/objective.js';
import { batchFeeds } from '../objectives/program-inputs.js';
import { type CopiesJob, type ParamShape, type SurfaceJob, copyProgramKey } from './executor.js';
import { ProgramCatalog, type ProgramBytes } from './programs.js';

/**
 * Scale-out on one machine: a pool of worker threads (tinypool), each with its own
 * onnxruntime session of one intra-op thread, behind the loss oracle and the landscape's
 * grid. A request's engine calls are cut into contiguous parts, one task each; θ, the
 * batch and the programs go to the threads in shared memory. Every call is the one the
 * single-process oracle makes, so results are bit for bit the same for every seed and any
 * number of workers.
 */

export interface WorkerPoolOptions {
  /** Worker threads, at least 1. */
  readonly workers: number;
  /** Intra-op threads of each worker's sessions (default 1: the workers are the parallelism). */
  readonly threads?: number;
  /** Parts per worker a request is cut into, at most (default 2: a slow worker delays a step by a smaller part). */
  readonly partsPerWorker?: number;
}

/** A tensor as a thread receives it (structured clone drops the class). */
export interface ThreadTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: HostArrays[DType];
}

/** What a worker thread is sent: a part, the batch's feeds and the bytes of the programs it may need, all in shared memory. */
export type ThreadJob = { readonly x: ThreadTensor; readonly y: ThreadTensor; readonly programs: Readonly<Record<string, Uint8Array>> } & (
  | { readonly kind: 'copies'; readonly part: Omit<CopiesJob, 'request'> & { readonly request: Omit<LossRequest, 'batch'> } }
  | { readonly kind: 'surface'; readonly part: Omit<SurfaceJob, 'batch'> }
);

const WORKER = fileURLToPath(new URL('./pool-worker.js', import.meta.url));

/** Worker threads evaluating parts of requests on θ of one layout. */
export class WorkerPool {
  readonly workers: number;
  private readonly pool: Tinypool;
  private readonly shared = new Map<string, Uint8Array>();
  private readonly parts: number;

  /** @throws RangeError for fewer than one worker or thread. */
  constructor(params: readonly ParamShape[], options: WorkerPoolOptions) {
    const { workers, threads = 1, partsPerWorker = 2 } = options;
    for (const [name, v] of [['workers', workers], ['threads', threads], ['partsPerWorker', partsPerWorker]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
    this.workers = workers;
    this.parts = workers * partsPerWorker;
    this.pool = new Tinypool({ filename: WORKER, minThreads: workers, maxThreads: workers, idleTimeout: Infinity, teardown: 'teardown', workerData: { params, threads } });
  }

  /** Contiguous ranges of `count` calls, balanced by `weight(call)`, at most `parts` of them. */
  split(weights: readonly number[]): { from: number; to: number }[] {
    const parts = Math.min(this.parts, weights.length);
    const total = weights.reduce((a, b) => a + b, 0);
    const ranges: { from: number; to: number }[] = [];
    let from = 0;
    let done = 0;
    for (let i = 0; i < weights.length; i++) {
      done += weights[i]!;
      if (done * parts >= total * (ranges.length + 1) - 1e-9 || i === weights.length - 1) {
        ranges.push({ from, to: i + 1 });
        from = i + 1;
      }
    }
    return ranges;
  }

  /** Program bytes in shared memory, copied once per program. */
  private programBytes(programs: readonly { hash: string; bytes: Uint8Array }[]): Record<string, Uint8Array> {
    return Object.fromEntries(programs.map(({ hash, bytes }) => {
      let shared = this.shared.get(hash);
      if (shared === undefined) this.shared.set(hash, (shared = share(bytes)));
      return [hash, shared];
    }));
  }

  /**
   * Parts of a loss request, each on a thread: `request.batch` holds the program's feeds
   * (batchFeeds), `programs` the copy programs the calls need (by copyProgramKey). Arrays
   * are copied into shared memory, except those already there (sharedTensor), which must
   * stay unchanged until the parts return.
   */
  evaluateCopies(request: LossRequest, ranges: readonly { readonly from: number; readonly to: number }[], programs: Readonly<Record<string, ProgramBytes>>): Promise<CallsResult[]> {
    const { batch, ...rest } = request;
    const p = rest.perturbation;
    const shared: Omit<LossRequest, 'batch'> = {
      ...rest,
      params: share(request.params),
      perturbation: p.kind === 'noise' && p.mask ? { ...p, mask: share(p.mask) } : p.kind === 'offsets' ? { ...p, offsets: share(p.offsets) } : p,
    };
    const hashes = Object.fromEntries(Object.entries(programs).map(([key, program]) => [key, program.hash]));
    const common = { x: threadTensor(batch.x), y: threadTensor(batch.y), programs: this.programBytes(Object.values(programs)) };
    return Promise.all(ranges.map(({ from, to }) => this.pool.run({ ...common, kind: 'copies', part: { kind: 'copies', request: shared, from, to, programs: hashes } } satisfies ThreadJob)));
  }

  /** Parts of a landscape grid, each on a thread (see SurfaceJob). */
  evaluateSurface(job: Omit<SurfaceJob, 'from' | 'to' | 'program'>, ranges: readonly { readonly from: number; readonly to: number }[], program: ProgramBytes): Promise<Float64Array[]> {
    const { batch, theta, d1, d2, alpha, beta, k } = job;
    const common = { x: threadTensor(batch.x), y: threadTensor(batch.y), programs: this.programBytes([program]) };
    const vectors = { theta: share(theta), d1: share(d1), d2: share(d2), alpha: share(alpha), beta: share(beta) };
    return Promise.all(ranges.map(({ from, to }) => this.pool.run({ ...common, kind: 'surface', part: { kind: 'surface', ...vectors, k, from, to, program: program.hash } } satisfies ThreadJob)));
  }

  /** Ends the threads (their sessions released first). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** A typed array in shared memory: itself when it is already there (the caller leaves it unchanged while a part runs), otherwise a copy. */
function share<T extends HostArrays[DType] | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Kind = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const shared = new Kind(new SharedArrayBuffer(a.byteLength));
  (shared as unknown as { set(v: T): void }).set(a);
  return shared;
}

/** A tensor whose data is in shared memory, to hand to several parts without copying it for each (see share). */
export function sharedTensor<D extends DType>(t: HostTensor<D>): HostTensor<D> {
  return new HostTensorClass(t.dtype, t.shape, share(t.data as HostArrays[DType]) as HostArrays[D]);
}

function threadTensor(t: HostTensor): ThreadTensor {
  return { dtype: t.dtype, shape: t.shape, data: share(t.data) };
}

/** A model's programs and a pool of worker threads that run them: what the pooled oracle and grid share. */
abstract class PooledModel {
  readonly pool: WorkerPool;
  protected readonly catalog: ProgramCatalog;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    options: WorkerPoolOptions,
  ) {
    this.catalog = new ProgramCatalog(model, objective);
    this.pool = new WorkerPool(this.catalog.params, options);
  }

  async dispose(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * A loss oracle whose engine calls run on a pool of worker threads: the calls of each
 * request (planCalls) are split into contiguous parts balanced by copies, evaluated in
 * parallel, and put together, bit for bit what `ModelLossOracle` returns. Parallelism is
 * over calls: a request of one call (K ≤ directionsPerCall) runs on one worker.
 */
export class WorkerPoolOracle extends PooledModel implements LossOracle {
  get dimension(): number {
    return this.model.layout.size;
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const feeds = batchFeeds(this.model, this.objective, request.batch);
    const calls = planCalls(request, this.dimension);
    const slotted = request.slots !== undefined;
    const sizes = [...new Set(calls.map((c) => callRows(c, slotted)))];
    const programs = Object.fromEntries(await Promise.all(sizes.map(async (rows) => [copyProgramKey(rows, slotted), await this.catalog.copies(rows, slotted)] as const)));
    const ranges = this.pool.split(calls.map((c) => c.length));
    const results = await this.pool.evaluateCopies({ ...request, batch: feeds as LossRequest['batch'] }, ranges, programs);
    return assembleCalls(request, ranges.map(({ from, to }, i) => ({ calls: calls.slice(from, to), result: results[i]! })));
  }
}

/**
 * A landscape's grid on a pool of worker threads: the grid's calls (k points each) split
 * into contiguous parts, bit for bit `SurfaceEvaluator`'s losses.
 */
export class WorkerPoolSurface extends PooledModel implements SurfaceLosses {
  async losses(theta: Float32Array, d1: Float32Array, d2: Float32Array, alpha: Float32Array, beta: Float32Array, batch: Batch, copiesPerCall = 16): Promise<Float64Array> {
    const k = checkSurface(this.model.layout, theta, d1, d2, alpha, beta, copiesPerCall);
    const feeds = batchFeeds(this.model, this.objective, batch) as Batch;
    const program = await this.catalog.surface(k);
    const ranges = this.pool.split(new Array<number>(surfaceCallCount(alpha.length, k)).fill(1));
    const parts = await this.pool.evaluateSurface({ kind: 'surface', theta, d1, d2, alpha, beta, batch: feeds, k }, ranges, program);
    const out = new Float64Array(alpha.length);
    ranges.forEach(({ from }, i) => out.set(parts[i]!, from * k));
    return out;
  }
}
