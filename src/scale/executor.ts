import type { Batch } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { ModelSession } from '../engine/runtime/onnxruntime.js';
import { surfaceCalls, surfaceFeeds } from '../landscape/surface.js';
import { ParamLayout } from '../nn/params.js';
import { type CallsResult, CopyEvaluator, planCalls } from '../objectives/copy-calls.js';
import type { LossRequest } from '../objectives/loss-oracle.js';

/**
 * The worker's half of scale-out, the same in a worker thread, a worker process on
 * another machine and a browser tab: it holds no model, only θ's layout and programs
 * (ONNX bytes, named by their SHA-256), and evaluates a *part* of a request — calls
 * [from, to) of its plan — exactly as the whole request would be evaluated in one process.
 * Every call is the same computation on the same bytes wherever it runs, so the parts put
 * together are bit for bit the single-process result.
 */

/** A parameter of θ's layout as a worker knows it. */
export interface ParamShape {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Key of the copy program for calls of `rows` copies (`slotted`: each copy its own examples). */
export function copyProgramKey(rows: number, slotted: boolean): string {
  return `${rows}:${slotted}`;
}

/**
 * Calls [from, to) of `planCalls(request)`. `request.batch` holds the program's feeds
 * (x [b, …input], y [b, …target]: checked and shaped by the coordinator), `programs` the
 * hash of the copy program of each call size the part needs (copyProgramKey).
 */
export interface CopiesJob {
  readonly kind: 'copies';
  readonly request: LossRequest;
  readonly from: number;
  readonly to: number;
  readonly programs: Readonly<Record<string, string>>;
}

/** Calls [from, to) of a landscape grid (surfaceCalls) at k points a call; `batch` holds the feeds. */
export interface SurfaceJob {
  readonly kind: 'surface';
  readonly theta: Float32Array;
  readonly d1: Float32Array;
  readonly d2: Float32Array;
  readonly alpha: Float32Array;
  readonly beta: Float32Array;
  readonly batch: Batch;
  readonly k: number;
  readonly from: number;
  readonly to: number;
  readonly program: string;
}

export type Job = CopiesJob | SurfaceJob;

/** Where a worker gets a program's bytes by hash (inline with the job, an object store, …). */
export type ProgramSource = (hash: string) => Promise<Uint8Array>;

/**
 * Evaluates jobs with one onnxruntime session per program (by default one intra-op
 * thread: a pool's workers are the parallelism). Sessions are kept for the executor's life.
 */
export class Executor {
  readonly layout: ParamLayout;
  private readonly sessions = new Map<string, Promise<ModelSession>>();
  private readonly copies: CopyEvaluator;
  private job: CopiesJob | undefined;
  /** Jobs run one at a time: the runner reads the current job's programs, and a worker's core is its parallelism. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    params: readonly ParamShape[],
    private readonly source: ProgramSource,
    private readonly compile: CompileOptions = { threads: 1 },
  ) {
    this.layout = new ParamLayout(params.map((p) => ({ name: p.name, shape: p.shape, init: { kind: 'zeros' } })));
    this.copies = new CopyEvaluator(this.layout, async (rows, slotted, feeds) => {
      const key = copyProgramKey(rows, slotted);
      const hash = this.job?.programs[key];
      if (hash === undefined) throw new RangeError(`the job names no program for calls of ${key.replace(':', ' copies, slotted ')}`);
      return this.run(hash, feeds);
    });
  }

  /** The losses of a part of a loss request. @throws RangeError for calls outside the request's plan. */
  evaluateCopies(job: CopiesJob): Promise<CallsResult> {
    return this.serial(async () => {
      const calls = planCalls(job.request, this.layout.size);
      if (!(Number.isSafeInteger(job.from) && Number.isSafeInteger(job.to) && job.from >= 0 && job.from < job.to && job.to <= calls.length)) {
        throw new RangeError(`calls [${job.from}, ${job.to}) are not a part of the request's ${calls.length} calls`);
      }
      this.layout.check(job.request.params, 'θ');
      this.job = job;
      try {
        return await this.copies.evaluate(job.request, { x: job.request.batch.x, y: job.request.batch.y }, calls.slice(job.from, job.to));
      } finally {
        this.job = undefined;
      }
    });
  }

  /** Mean losses of a part of a landscape grid, one per point of calls [from, to). */
  evaluateSurface(job: SurfaceJob): Promise<Float64Array> {
    return this.serial(() => {
      const feeds = { x: job.batch.x, y: job.batch.y as HostTensor, ...surfaceFeeds(this.layout, job.theta, job.d1, job.d2) };
      return surfaceCalls((f) => this.run(job.program, f), feeds, job.alpha, job.beta, job.k, job.from, job.to);
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(hash: string, feeds: Record<string, HostTensor>): Promise<Float32Array> {
    let session = this.sessions.get(hash);
    if (session === undefined) {
      session = this.source(hash).then((bytes) => ModelSession.create(bytes, this.compile));
      this.sessions.set(hash, session);
      // A program that failed to load is fetched again next time.
      session.catch(() => this.sessions.delete(hash));
    }
    const out = (await (await session).run(feeds)).out0;
    if (out === undefined || out.dtype !== 'float32') throw new TypeError(`program ${hash.slice(0, 12)} returned ${out ? out.dtype : 'no out0'}, expected float32 losses`);
    return out.data as Float32Array;
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (s) => (await s.catch(() => undefined))?.dispose()));
  }
}
