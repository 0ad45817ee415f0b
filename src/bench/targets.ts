import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { createEstimator } from '../estimators/registry.js';
import { modelFromSpec } from '../nn/factories.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { sgd } from '../optim/aliases.js';
import { applyGradient } from '../optim/transform.js';
import { fillGaussian } from '../rng/noise.js';
import { DEFAULT_CONFIG } from '../train/config.js';
import { type Stepper, initTrainState, trainStep } from '../train/step.js';
import { train } from '../train/trainer.js';
import { forwardPass } from './estimators.js';
import { MEMORY_RUNS, benchMemory } from './memory.js';
import { timeInterleaved } from './timing.js';

export interface TargetsBenchOptions {
  readonly batch?: number;
  readonly seconds?: number;
  /** Widths W of the MLPs 784-W-W-10 for the spsa step (default 256, 1024, 4096). */
  readonly widths?: readonly number[];
  /** Also the two peak-memory rows (W = 4096, separate processes; a few minutes). */
  readonly memory?: boolean;
  /**
   * onnxruntime intra-op threads for the step, copy, update and noise rows and the whole
   * run (default: the thread default); the two thread rows measure the choice itself.
   */
  readonly threads?: number;
}

/**
 * One row of the performance table: a ratio measured within one run, its target, and
 * whether it is met. Where both are measured, `met` judges the ratio of CPU times (this
 * process's, per call): on a machine with more runnable threads than cores, wall times
 * also count waits for a core, which fall unevenly on long and short calls.
 */
export interface TargetRow {
  readonly measure: string;
  /** Ratio of median wall times. */
  readonly ratio: number;
  /** Ratio of CPU times per call. */
  readonly cpuRatio?: number;
  /** The ratio must be at most (or, with `atLeast`, at least) this. */
  readonly target: number;
  readonly atLeast?: boolean;
  readonly met: boolean;
  /** The times or sizes behind the ratio. */
  readonly detail: string;
}

export interface TargetsBenchResult {
  readonly batch: number;
  readonly rows: readonly TargetRow[];
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly load: readonly number[]; readonly threads: number | undefined };
}

function row(measure: string, [ratio, cpuRatio]: readonly [number, number?], target: number, detail: string, atLeast = false): TargetRow {
  const judged = cpuRatio ?? ratio;
  return { measure, ratio, ...(cpuRatio !== undefined && { cpuRatio }), target, ...(atLeast && { atLeast }), met: atLeast ? judged >= target : judged <= target, detail };
}
const ms = (x: number) => `${x.toFixed(3)} ms`;

/** An MLP 784-W-W-10 with random inputs of a batch, its parameters and a forward pass with the loss, ready to time. */
export async function benchMlp(width: number, b: number, copies = 1, threads?: number) {
  const model = modelFromSpec(`mlp:784-${width}-${width}-10`, [1, 28, 28], 10);
  const theta = model.init(1);
  const x = HostTensor.zeros('float32', [b, 1, 28, 28]);
  fillGaussian(x.data, 3);
  const batch = { x, y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i % 10))) };
  const objective = crossEntropyObjective();
  return { model, theta, batch, objective, forward: await forwardPass(model, objective, theta, batch, copies, threads ? { threads } : {}) };
}

/** A training step (estimate, then SGD fused with θ ← θ + u) of a method, ready to time; lr is tiny so θ stays put. */
function stepOf(method: string, options: Record<string, number | string>, s: Awaited<ReturnType<typeof benchMlp>>, threads?: number) {
  const stepper: Stepper = { estimator: createEstimator(method, { model: s.model, objective: s.objective, seed: 1, ...(threads && { compile: { threads } }) }, options), optimizer: sgd(1e-9) };
  let state = initTrainState(stepper, s.theta, s.batch.x.shape[0]!);
  return { run: async () => (state = (await trainStep(stepper, state, s.batch)).state), dispose: () => stepper.estimator.dispose() };
}

/** Times a step against a reference in alternating blocks: the wall and CPU time ratios and a line of detail. */
async function ratio(step: () => unknown, reference: () => unknown, seconds: number, what: string): Promise<[readonly [number, number], string]> {
  const [r, t] = await timeInterleaved([reference, step], { seconds });
  return [[t!.medianMs / r!.medianMs, t!.cpuMs / r!.cpuMs], `${ms(t!.medianMs)} ${what} ${ms(r!.medianMs)} (CPU ${ms(t!.cpuMs)}, ${ms(r!.cpuMs)})`];
}

/**
 * Every measure of issue 13's performance table as a ratio taken within one run (steps
 * and their references timed in alternating blocks), with its target: step costs against
 * a forward pass of the same MLP at the same batch, spsa's copies against the raw stacked
 * forward, the optimiser's pass, noise, the thread default under an extra busy process, a
 * whole training run against its steps and evaluations, and (optionally) peak memory.
 */
export async function benchTargets(options: TargetsBenchOptions = {}): Promise<TargetsBenchResult> {
  const { batch: b = 64, seconds = 3, widths = [256, 1024, 4096], memory = false, threads } = options;
  const rows: TargetRow[] = [];
  // The whole run first, before the other rows leave anything for the collector.
  const run = await runRow(threads);

  // The graph methods first: at W=4096 an spsa row leaves 80 MB of parameters to collect, and
  // V8's collector threads would bill that to whatever row runs next.
  const s = await benchMlp(256, b, 1, threads);
  for (const [method, target] of [['bp', 3.2], ['fg-a', 3]] as const) {
    const step = stepOf(method, {}, s, threads);
    const [r, detail] = await ratio(step.run, s.forward, seconds, 'per step, forward');
    rows.push(row(`${method} step ÷ forward pass, W=256`, r, target, detail));
    await step.dispose();
  }

  for (const width of widths) {
    const w = await benchMlp(width, b, 1, threads);
    const step = stepOf('spsa', { directions: 1, directionsPerCall: 1 }, w, threads);
    const [r, detail] = await ratio(step.run, w.forward, seconds, 'per step, forward');
    rows.push(row(`spsa K=1 step ÷ forward pass, W=${width}`, r, 3, detail));
    await step.dispose();
  }

  for (const batch of [64, 256]) {
    const t = await benchMlp(256, batch, 16, threads);
    const estimator = createEstimator('spsa', { model: t.model, objective: t.objective, seed: 1, ...(threads && { compile: { threads } }) }, { directions: 16, directionsPerCall: 8 });
    let n = 0;
    const [raw, spsa] = await timeInterleaved([t.forward, () => estimator.estimate({}, { params: t.theta, batch: t.batch, step: n++ })], { seconds });
    // spsa evaluates 32 copies (16 ± pairs, 16 per call), the reference 16 in one call.
    const rate = (step: number, reference: number) => 32 / step / (16 / reference);
    rows.push(row(`spsa 16 directions: copies/s ÷ raw stacked-forward rate, batch ${batch}`, [rate(spsa!.medianMs, raw!.medianMs), rate(spsa!.cpuMs, raw!.cpuMs)], 0.9, `${ms(spsa!.medianMs)} for 32 copies, ${ms(raw!.medianMs)} for 16 in one call (CPU ${ms(spsa!.cpuMs)}, ${ms(raw!.cpuMs)})`, true));
    await estimator.dispose();
  }

  const optimizer = sgd(1e-9);
  const gradient = new Float32Array(s.theta.length);
  fillGaussian(gradient, 5);
  const optimizerState = optimizer.init(s.theta);
  const [update, updateDetail] = await ratio(() => applyGradient(optimizer, gradient, optimizerState, s.theta, 0), s.forward, seconds, 'per update, forward');
  rows.push(row('SGD update + applyUpdates, W=256, ÷ forward pass', update, 0.25, updateDetail));

  const noise = new Float32Array(s.theta.length);
  let offset = 0;
  const [gaussian, noiseDetail] = await ratio(() => fillGaussian(noise, 7, (offset += noise.length)), s.forward, seconds, 'per draw, forward');
  rows.push(row(`Gaussian noise for ${s.theta.length.toLocaleString('en-US')} params ÷ forward pass`, gaussian, 0.5, noiseDetail));

  rows.push(await idleThreadsRow(seconds));
  rows.push(await threadsRow(seconds));
  rows.push(run);
  if (memory) rows.push(...(await memoryRows()));
  return { batch: b, rows, machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, load: loadavg(), threads: threads ?? threadsFor({}) } };
}

/**
 * The thread choices on a forward pass of the 784-1024-1024-10 MLP at batch 256, where
 * threads matter, timed in alternating blocks: the default (one thread per core, never
 * spinning), one thread, and onnxruntime's own default (a spinning thread per core).
 */
async function timeThreadChoices(seconds: number) {
  const cores = availableParallelism();
  const s = await benchMlp(1024, 256, 1, 1);
  const chosen = (await benchMlp(1024, 256, 1, cores)).forward;
  const spinning = await forwardPass(s.model, s.objective, s.theta, s.batch, 1, { threads: cores, spinning: true });
  const [picked, one, ort] = await timeInterleaved([chosen, s.forward, spinning], { seconds });
  return { cores, picked: picked!.medianMs, one: one!.medianMs, ort: ort!.medianMs };
}

/** The thread default with no other process started against onnxruntime's own default: the ratio is what giving up spinning costs; one thread in the detail. */
async function idleThreadsRow(seconds: number): Promise<TargetRow> {
  const t = await timeThreadChoices(seconds);
  return row(
    "default threads, no other process started, ÷ onnxruntime's default (spinning)",
    [t.picked / t.ort],
    1.1,
    `default ${t.cores} threads ${ms(t.picked)}; onnxruntime's default (${t.cores} spinning) ${ms(t.ort)}; 1 thread ${ms(t.one)}, load average ${loadavg()[0]!.toFixed(1)}`,
  );
}

/** The thread default with one more process busy on a core against one thread; onnxruntime's own default in the detail. */
async function threadsRow(seconds: number): Promise<TargetRow> {
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t = await timeThreadChoices(seconds);
    return row(
      'default threads with another process busy on one core ÷ --threads 1',
      [t.picked / t.one],
      1.1,
      `default ${t.cores} threads ${ms(t.picked)}; 1 thread ${ms(t.one)}; onnxruntime's default (${t.cores} spinning threads) ${ms(t.ort)}, ${(t.ort / t.one).toFixed(2)}×`,
    );
  } finally {
    busy.kill();
  }
}

/**
 * Whole `train` runs (fg-a, the CLI's default, two epochs on the embedded MNIST, with
 * checkpoints) against their steps plus their evaluations: the median of three runs, each
 * in its own run directory, after a first run that loads the modules and the data as any
 * process does once.
 */
async function runRow(threads?: number): Promise<TargetRow> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-targets-'));
  try {
    const config = { ...DEFAULT_CONFIG, epochs: 2, ...(threads && { threads }) };
    await train({ ...config, steps: 1 }, { out: join(dir, 'warm') });
    const runs: { ratio: number; line: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const summary = await train(config, { out: join(dir, `run-${i}`) });
      const seconds = (performance.now() - start) / 1000;
      runs.push({ ratio: seconds / (summary.wall_s + summary.eval_s), line: `${seconds.toFixed(2)} s for ${summary.steps} steps (${summary.wall_s.toFixed(2)} s) and evaluations (${summary.eval_s.toFixed(2)} s)` });
    }
    const median = [...runs].sort((a, b) => a.ratio - b.ratio)[1]!;
    return row('whole `train` run ÷ (its bare steps + its evaluations), median of 3', [median.ratio], 1.1, `${median.line}; the three: ${runs.map((r) => `${r.ratio.toFixed(3)}×`).join(', ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Peak RSS of spsa K = 1 (one copy per call, SGD) and of the default spsa at W = 4096, each against evaluation. */
async function memoryRows(): Promise<TargetRow[]> {
  const result = await benchMemory({ widths: [4096], runs: [MEMORY_RUNS[0]!, MEMORY_RUNS[2]!] });
  const [model] = result.models;
  const [k1, standard] = model!.train;
  const detail = (t: typeof k1) => `${t!.peakMb.toFixed(0)} MB against eval's ${model!.evalPeakMb.toFixed(0)} MB (${model!.parameters.toLocaleString('en-US')} parameters)`;
  return [row('peak RSS, spsa K=1, 1 direction per call, SGD, W=4096, ÷ eval', [k1!.ratio], 1.3, detail(k1)), row('peak RSS, default spsa (16 directions, SGD), W=4096, ÷ eval', [standard!.ratio], 1.6, detail(standard))];
}
