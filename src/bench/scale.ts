import { cpus, loadavg } from 'node:os';
import { batches } from '../data/batches.js';
import { backend } from '../engine/runtime/backend.js';
import { filterNormalizedDirection } from '../landscape/directions.js';
import { mlp } from '../nn/factories.js';
import { stepKey } from '../objectives/directions.js';
import type { LossOracle, LossRequest } from '../objectives/loss-oracle.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { RunChannel } from '../scale/channel.js';
import { type Head, PROTOCOL, type Reply, decode, encode, taskSchema } from '../scale/messages.js';
import { type NatsConnectOptions, natsConnect, poolEngine, runData } from '../scale/nats-node.js';
import { NatsLossOracle } from '../scale/nats-oracle.js';
import { NatsWorker } from '../scale/nats-worker.js';
import { WorkerPoolOracle, WorkerPoolSurface } from '../scale/pool.js';
import { ThetaReplica } from '../scale/replica.js';
import { timeInterleaved, timeIt } from './timing.js';

export interface ScaleBenchOptions {
  /** Examples per step, and per landscape point (default 256). */
  readonly batch?: number;
  /** spsa's directions per step, K (default 16; central differences: 2K copies). */
  readonly directions?: number;
  /** Grid points per axis of the landscape (default 51). */
  readonly points?: number;
  /** Worker threads against one (default 2). */
  readonly workers?: number;
  /** Seconds of alternating blocks for the steps (default 3). */
  readonly seconds?: number;
  /** Whole landscapes timed per variant, alternating (default 3). */
  readonly rounds?: number;
  /** A NATS server for the broker rows (absent: they are not measured). */
  readonly nats?: NatsConnectOptions;
}

/** A ratio of two throughputs measured in alternation, and whether it meets its target. */
export interface ScaleRow {
  readonly measure: string;
  /** Queries (example-forwards) per second of the run and of its reference. */
  readonly rate: number;
  readonly reference: number;
  readonly ratio: number;
  readonly target: number;
  readonly atLeast: boolean;
  readonly met: boolean;
}

export interface ScaleBenchResult {
  readonly model: string;
  readonly parameters: number;
  readonly batch: number;
  readonly directions: number;
  readonly points: number;
  readonly workers: number;
  readonly rows: readonly ScaleRow[];
  /** A worker's own work per training step: replaying one update of K directions (SGD) on its replica of θ, ms (median). */
  readonly replayMs: number;
  /** NATS only: the step's messages in bytes (tasks out, replies back), the loopback round trip and the coordination overhead. */
  readonly nats?: {
    readonly taskBytes: number;
    readonly replyBytes: number;
    readonly tasks: number;
    readonly roundTripMs: number;
    /**
     * Step times (medians, alternating blocks): over NATS with one worker, on one worker
     * thread in this process (`--workers 1`, the same engine set-up as a NATS worker's),
     * and on this process's own thread (ModelLossOracle, one intra-op thread). The
     * coordination overhead is 1 − thread / nats: what the broker adds to the same
     * evaluation.
     */
    readonly stepMs: number;
    readonly threadMs: number;
    readonly mainThreadMs: number;
    readonly overhead: number;
  };
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly runtime: string; readonly load: readonly number[] };
}

/** The targets (docs/benchmarks.md): worker threads, NATS workers, coordination overhead. */
export const SCALE_TARGETS = { pool: 1.7, nats: 1.5, overhead: 0.1 } as const;

/**
 * The scale-out benchmark on the 784-256-256-10 MLP and MNIST: queries per second of an
 * spsa step (K directions, central differences, batch `batch`) on `workers` worker
 * threads against one, and of a points × points landscape grid likewise, each pair timed
 * in alternation; with a NATS server, the same step answered by `workers` NATS workers
 * (one thread each, in this process, over loopback) against one worker thread in
 * process, the coordination overhead (one NATS worker against one worker thread), the
 * step's message bytes and the loopback round trip of a small request.
 */
export async function benchScale(options: ScaleBenchOptions = {}): Promise<ScaleBenchResult> {
  const { batch: b = 256, directions = 16, points = 51, workers = 2, seconds = 3, rounds = 3 } = options;
  const model = mlp([784, 256, 256, 10]);
  const objective = crossEntropyObjective();
  const theta = model.init(1);
  const spec = { dataset: 'mnist', seed: 0 };
  const data = await runData({ ...spec, hash: '' });
  const batch = batches(data, { batchSize: b, seed: 0, epoch: 0 }).next().value!;
  const request = (step: number): LossRequest => ({
    params: theta,
    batch,
    perturbation: { kind: 'noise', key: stepKey(0, step), distribution: 'rademacher', epsilon: 1e-3, scheme: 'central', first: 0, count: directions },
    directionsPerCall: 4,
  });
  const queriesPerSecond = (ms: number) => (1000 * 2 * directions * b) / ms;
  const row = (measure: string, rate: number, reference: number, target: number, atLeast = true): ScaleRow => {
    const ratio = rate / reference;
    return { measure, rate, reference, ratio, target, atLeast, met: atLeast ? ratio >= target : ratio <= target };
  };
  const rows: ScaleRow[] = [];
  const disposers: (() => Promise<void>)[] = [];
  const oracle = <T extends LossOracle>(o: T) => (disposers.push(() => o.dispose()), o);
  try {
    // Worker threads: one against `workers`, the same step.
    const one = oracle(new WorkerPoolOracle(model, objective, { workers: 1 }));
    const many = oracle(new WorkerPoolOracle(model, objective, { workers }));
    let step = 0;
    const [t1, tn] = await timeInterleaved([() => one.evaluate(request(step++)), () => many.evaluate(request(step++))], { seconds, warmup: 2, blockMs: 1000 });
    rows.push(row(`spsa K = ${directions}, batch ${b}: --workers ${workers} / --workers 1`, queriesPerSecond(tn!.medianMs), queriesPerSecond(t1!.medianMs), SCALE_TARGETS.pool));

    // The landscape grid: whole grids, alternating.
    const surfaces = [1, workers].map((w) => new WorkerPoolSurface(model, objective, { workers: w }));
    disposers.push(...surfaces.map((s) => () => s.dispose()));
    const d1 = filterNormalizedDirection(model.layout, theta, 3);
    const d2 = filterNormalizedDirection(model.layout, theta, 4);
    const alpha = new Float32Array(points * points);
    const beta = new Float32Array(points * points);
    for (let i = 0; i < points; i++) for (let j = 0; j < points; j++) [alpha[i * points + j], beta[i * points + j]] = [-1 + (2 * i) / (points - 1), -1 + (2 * j) / (points - 1)];
    const gridMs: number[][] = [[], []];
    for (const s of surfaces) await s.losses(theta, d1, d2, alpha.subarray(0, 64), beta.subarray(0, 64), batch);
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of surfaces.entries()) {
        const start = performance.now();
        await s.losses(theta, d1, d2, alpha, beta, batch);
        gridMs[i]!.push(performance.now() - start);
      }
    }
    const gridRate = (ms: number[]) => (1000 * points * points * b) / median(ms);
    rows.push(row(`${points} × ${points} landscape grid, ${b} examples: --workers ${workers} / --workers 1`, gridRate(gridMs[1]!), gridRate(gridMs[0]!), SCALE_TARGETS.pool));

    // What every worker does once per step besides its parts: regenerate ĝ from the key and K weights, and take the optimiser's step.
    const head = { kind: 'head', protocol: PROTOCOL, session: 'bench', model: '0'.repeat(64), runtime: backend().name, params: model.layout.entries.map((e) => ({ name: e.name, shape: [...e.shape] })), input: [784], outputs: 10, objective: objective.name, replay: { optimizer: 'sgd', lr: 0.01, schedule: 'constant', warmupSteps: 0, momentum: 0, weightDecay: 0, clip: 0, plannedSteps: 1 }, snapshot: 'bench', stream: { name: 'bench', subject: 'bench', seq: 1 } } satisfies Head;
    const replica = ThetaReplica.fromSnapshot(head, { kind: 'snapshot', session: 'bench', version: 0, theta, hash: '0'.repeat(64) });
    const weights = Float64Array.from({ length: directions }, (_, k) => (k % 2 ? 1e-3 : -1e-3));
    const replay = await timeIt(() => replica.apply({ kind: 'update', session: 'bench', version: replica.version + 1, step: { kind: 'directions', updates: replica.version + 1, key: BigInt(stepKey(0, replica.version)), distribution: 'rademacher', epsilon: 1e-3, weights } }, () => Promise.reject(new Error('no snapshots'))), { seconds: 1 });

    const nats = options.nats && (await natsRows(options.nats, { model, objective, spec, data, request, queriesPerSecond, row, oracle, thread: one, seconds, workers }));
    if (nats) rows.push(...nats.rows);
    return {
      model: model.spec,
      parameters: model.layout.size,
      batch: b,
      directions,
      points,
      workers,
      rows,
      replayMs: replay.medianMs,
      ...(nats && { nats: nats.detail }),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, runtime: backend().name, load: loadavg() },
    };
  } finally {
    for (const dispose of disposers) await dispose();
  }
}

interface NatsContext {
  readonly model: ReturnType<typeof mlp>;
  readonly objective: ReturnType<typeof crossEntropyObjective>;
  readonly spec: { readonly dataset: string; readonly seed: number };
  readonly data: Awaited<ReturnType<typeof runData>>;
  readonly request: (step: number) => LossRequest;
  readonly queriesPerSecond: (ms: number) => number;
  readonly row: (measure: string, rate: number, reference: number, target: number, atLeast?: boolean) => ScaleRow;
  readonly oracle: <T extends LossOracle>(o: T) => T;
  /** One worker thread in this process (`--workers 1`). */
  readonly thread: LossOracle;
  readonly seconds: number;
  readonly workers: number;
}

/** The broker rows: two runs on the server (one worker, `workers` workers), batches by index, against one in-process thread. */
async function natsRows(connect: NatsConnectOptions, c: NatsContext): Promise<{ rows: ScaleRow[]; detail: NonNullable<ScaleBenchResult['nats']> }> {
  const nc = await natsConnect(connect);
  const started: NatsWorker[] = [];
  try {
    const runs = await Promise.all([`bench-${process.pid}-1`, `bench-${process.pid}-n`].map((run) => RunChannel.create(nc, run)));
    // The first attempt of each task (busy refusals re-issue some).
    const counted = { task: 0, reply: 0, tasks: 0, ids: new Set<string>() };
    const oracles = runs.map((channel) => c.oracle(new NatsLossOracle(channel, c.model, c.objective, { data: { spec: c.spec, dataset: c.data } })));
    for (const [i, channel] of runs.entries()) {
      for (let w = 0; w < (i === 0 ? 1 : c.workers); w++) {
        const worker = new NatsWorker(channel, { name: `bench-${i}-${w}`, runtime: backend().name, engine: poolEngine(1), data: runData });
        worker.start();
        started.push(worker);
      }
    }
    // The step's messages as they go over the wire: measured on one request through a spy on the task subject.
    const spy = nc.subscribe(runs[0]!.names.tasks, {
      callback: (_e, msg) => {
        const { id } = decode(taskSchema, msg.data, 'task');
        if (counted.ids.has(id)) return;
        counted.ids.add(id);
        counted.task += msg.data.length;
        counted.tasks++;
      },
    });
    const probe = await oracles[0]!.evaluate(c.request(0));
    spy.unsubscribe();
    const mainThread = c.oracle(new ModelLossOracle(c.model, c.objective, { threads: 1 }));
    let step = 1;
    const [main, thread, nats1, natsN] = await timeInterleaved([mainThread, c.thread, oracles[0]!, oracles[1]!].map((o) => () => o.evaluate(c.request(step++))), { seconds: c.seconds, warmup: 2, blockMs: 1000 });
    // A reply's size: the losses and applied steps of one part of the probe, as the worker encodes them.
    const part = probe.losses.length / counted.tasks;
    const reply: Reply = { kind: 'result', protocol: PROTOCOL, id: 'x'.repeat(16), attempt: 1, worker: 'bench-0-0', model: '0'.repeat(64), runtime: backend().name, losses: new Float32Array(part), queries: part, applied: new Float64Array(probe.applied!.length / counted.tasks) };
    counted.reply = encode(reply).length * counted.tasks;
    const echo = nc.subscribe(`fp.bench-${process.pid}.echo`, {
      callback: (_e, msg) => {
        msg.respond(msg.data);
      },
    });
    const [rtt] = await timeInterleaved([() => nc.request(`fp.bench-${process.pid}.echo`, new Uint8Array(16), { timeout: 5000 })], { seconds: 1, warmup: 20 });
    echo.unsubscribe();
    const detail = { taskBytes: counted.task, replyBytes: counted.reply, tasks: counted.tasks, roundTripMs: rtt!.medianMs, stepMs: nats1!.medianMs, threadMs: thread!.medianMs, mainThreadMs: main!.medianMs, overhead: 1 - thread!.medianMs / nats1!.medianMs };
    return {
      rows: [
        c.row(`spsa step over NATS: ${c.workers} workers / one in-process worker thread`, c.queriesPerSecond(natsN!.medianMs), c.queriesPerSecond(thread!.medianMs), SCALE_TARGETS.nats),
        c.row('coordination overhead: 1 − one worker thread / one NATS worker (fraction of step time)', detail.overhead, 1, SCALE_TARGETS.overhead, false),
      ],
      detail,
    };
  } finally {
    for (const worker of started) await worker.stop();
    await nc.drain();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
