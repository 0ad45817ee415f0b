import { join } from 'node:path';
import type { Statistics } from '../allocators/allocator.js';
import { batches } from '../data/batches.js';
import { loadDataset } from '../data/load.js';
import { createEstimator, descriptor } from '../estimators/registry.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { sgd } from '../optim/aliases.js';
import { type Stepper, estimateStep, initTrainState } from '../train/step.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { modelFromSpec } from '../nn/factories.js';
import { chartSpec } from '../report/chart-spec.js';
import { type ExperimentResult, type LineChart, type ResultTable, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { createQueryAllocation } from '../train/allocation.js';
import { train } from '../train/trainer.js';
import { pretrain } from './pretrain.js';

export const ALLOCATION_JSON = 'allocation.json';
export const ALLOCATION_MD = 'allocation.md';
export const ALLOCATION_SVG = 'allocation.svg';

export interface AllocationOptions {
  readonly dataset: string;
  readonly model: string;
  readonly out: string;
  /** Estimators compared in the error table (those that take allocations). */
  readonly estimators?: readonly string[];
  readonly allocators?: readonly string[];
  /** Where the allocators (all but uniform) read per-example statistics from: each is run once per entry. */
  readonly statistics?: readonly Statistics[];
  /** Average queries per example per step, the same for every allocator. */
  readonly queriesPerExample?: number;
  readonly batchSize?: number;
  /** Backprop steps before measuring, so that some examples are learned and others not (uneven difficulty). */
  readonly pretrainSteps?: number;
  /** Visits of the measured batch before measuring: what running statistics learn from. */
  readonly warmup?: number;
  /** Estimates averaged into each mean squared error. */
  readonly repetitions?: number;
  /** The estimator trained for the accuracy-versus-queries curves; none skips them. */
  readonly curveMethod?: string;
  readonly epochs?: number;
  /** Stop each curve run after this many steps (quick checks). */
  readonly curveSteps?: number;
  /** Curve points: a test evaluation every this many steps. */
  readonly evalEvery?: number;
  readonly seed?: number;
}

export interface MseRow {
  readonly estimator: string;
  /** The allocator, with its statistics: 'uniform', 'neyman (running)', 'flops (fresh)', … */
  readonly allocator: string;
  /** E‖ĝ − g‖² over the repetitions, g the exact backprop gradient of the batch. */
  readonly mse: number;
  /** mse / uniform's mse for the same estimator. */
  readonly relative: number;
  /** Queries per step, the pilot's included. */
  readonly queries: number;
}

/** One allocator as the experiment runs it: its name, its statistics, and the label of its rows. */
interface Arm {
  readonly allocator: string;
  readonly statistics?: Statistics;
  readonly label: string;
}

/** Uniform once, then every other allocator once per kind of statistics. */
function armsOf(allocators: readonly string[], statistics: readonly Statistics[]): Arm[] {
  return allocators.flatMap((allocator) => (allocator === 'uniform' ? [{ allocator, label: allocator }] : statistics.map((s) => ({ allocator, statistics: s, label: `${allocator} (${s})` }))));
}

export interface Curve {
  readonly allocator: string;
  readonly points: readonly { readonly queries: number; readonly test_acc: number }[];
  readonly final: number;
  /** Queries at which the run first reached uniform's final accuracy, and that as a share of uniform's. */
  readonly queriesToUniform?: number;
  readonly shareOfUniform?: number;
}

export interface AllocationReport {
  readonly mse: readonly MseRow[];
  readonly curves: readonly Curve[];
  readonly markdown: string;
}

/**
 * The allocation experiment (FLOPS, Ren et al. 2025): (1) at equal budgets, the mean
 * squared error of each estimator's batch gradient against the exact one, per
 * allocator, on a batch of a partly trained model (uneven per-example difficulty); (2)
 * accuracy against queries when training with each allocator. Writes allocation.json,
 * allocation.md, allocation.svg (the curves) and result.json (for `forwardprop report`) into `out`.
 */
export async function runAllocationExperiment(options: AllocationOptions, log: (line: string) => void = () => {}): Promise<AllocationReport> {
  const {
    dataset,
    model: spec,
    out,
    estimators = ['lr', 'fg-a', 'spsa', 'fg-w'],
    allocators = ['uniform', 'neyman', 'softmax', 'flops'],
    statistics = ['running', 'fresh'],
    queriesPerExample = 8,
    batchSize = 64,
    pretrainSteps = 300,
    warmup = 30,
    repetitions = 60,
    curveMethod = 'fg-a',
    epochs = 3,
    evalEvery = 100,
    seed = 0,
  } = options;
  if (!allocators.includes('uniform')) throw new RangeError('allocators must include uniform, the reference');
  const arms = armsOf(allocators, statistics);
  const data = await loadDataset(dataset);
  const model = modelFromSpec(spec, data.train.inputShape, data.train.classes);
  const theta = await pretrain(model, model.init(seed), data.train, pretrainSteps, batchSize, seed);
  const batch = batches(data.train, { batchSize, seed: seed + 1, epoch: 0 }).next().value!;
  const objective = crossEntropyObjective();
  const bp = createEstimator('bp', { model, objective, seed });
  const exact = (await bp.estimate(bp.init(theta), { params: theta, batch, step: 0 })).estimate.grad!;
  await bp.dispose();

  const mse: MseRow[] = [];
  for (const method of estimators) {
    const uniform: { value?: number } = {};
    for (const { allocator: name, statistics: from, label } of arms) {
      const estimator = createEstimator(method, { model, objective, seed });
      const allocation = createQueryAllocation({ allocator: name, method, queriesPerExample, context: { model, objective }, seed, ...(from && { statistics: from }) });
      // Estimates only: the optimiser never runs. The estimator's state stays at its start
      // (every estimate measures the same estimator); the allocator's learns across visits.
      const stepper: Stepper = { estimator, optimizer: sgd(0), allocation };
      const start = initTrainState(stepper, theta, data.train.size);
      let allocator = start.allocator;
      let total = 0;
      let queries = 0;
      for (let visit = 0; visit < warmup + repetitions; visit++) {
        const { state, estimate } = await estimateStep(stepper, { ...start, allocator, progress: { ...start.progress, step: visit } }, batch);
        allocator = state.allocator;
        if (visit >= warmup) total += squaredError(estimate.grad!, exact) / repetitions;
        queries = estimate.queries;
      }
      await Promise.all([estimator.dispose(), allocation.pilot?.dispose()]);
      if (name === 'uniform') uniform.value = total;
      mse.push({ estimator: method, allocator: label, mse: total, relative: total / (uniform.value ?? total), queries });
      log(`${method} ${label}: mse ${total.toExponential(3)} (${(total / (uniform.value ?? total)).toFixed(3)}× uniform), ${queries} queries per step`);
    }
  }

  const curves: Curve[] = [];
  if (curveMethod !== 'none') {
    for (const { allocator: name, statistics: from, label } of arms) {
      const points: { queries: number; test_acc: number }[] = [];
      const method = curveMethod as TrainConfig['method'];
      const config: TrainConfig = {
        ...DEFAULT_CONFIG, dataset, model: spec, method, lr: descriptor(method).defaultLearningRate, epochs, batchSize, seed, allocator: name as TrainConfig['allocator'], queriesPerExample,
        ...(from && { allocatorStatistics: from }),
        ...(options.curveSteps !== undefined && { steps: options.curveSteps }),
      };
      const summary = await train(config, { out: join(out, `curve-${name}${from ? `-${from}` : ''}`), evalEvery, onEval: (p) => points.push({ queries: p.queries, test_acc: p.test_acc }) });
      curves.push({ allocator: label, points, final: summary.test_acc });
      log(`${curveMethod} ${label}: final test accuracy ${(100 * summary.test_acc).toFixed(2)}% after ${summary.queries} queries`);
    }
    const target = curves.find((c) => c.allocator === 'uniform')!;
    const uniformQueries = target.points[target.points.length - 1]?.queries ?? 0;
    curves.forEach((c, i) => {
      const reached = c.points.find((p) => p.test_acc >= target.final);
      if (reached) curves[i] = { ...c, queriesToUniform: reached.queries, shareOfUniform: reached.queries / uniformQueries };
    });
  }

  const settings = { dataset, spec, queriesPerExample, batchSize, pretrainSteps, warmup, repetitions, curveMethod, epochs };
  const chart: LineChart | undefined = curves.length > 0 ? {
    type: 'line',
    title: `${curveMethod} on ${dataset}, ${spec}: test accuracy against queries`,
    x: { title: 'queries (forward evaluations × examples)' },
    y: { title: 'test accuracy' },
    series: curves.map((c) => ({ name: c.allocator, points: c.points.map((p) => [p.queries, p.test_acc] as const) })),
  } : undefined;
  if (chart) await writeFileAtomic(join(out, ALLOCATION_SVG), await chartSvg(chartSpec(chart).spec));
  await writeExperimentResult(out, experimentResult({ ...settings, evalEvery, seed }, mse, curves, chart));
  const markdown = report(settings, mse, curves);
  await writeFileAtomic(join(out, ALLOCATION_JSON), `${JSON.stringify({ options: { ...options, allocators, statistics, queriesPerExample, batchSize, pretrainSteps, warmup, repetitions, curveMethod, epochs, evalEvery, seed }, mse, curves }, null, 2)}\n`);
  await writeFileAtomic(join(out, ALLOCATION_MD), markdown);
  return { mse, curves, markdown };
}

function squaredError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

interface Settings {
  readonly dataset: string;
  readonly spec: string;
  readonly queriesPerExample: number;
  readonly batchSize: number;
  readonly pretrainSteps: number;
  readonly warmup: number;
  readonly repetitions: number;
  readonly curveMethod: string;
  readonly epochs: number;
}

function mseDescription(o: Settings): string {
  return `Mean squared error of the batch gradient estimate against backprop's, at ${o.queriesPerExample} queries per example on average (batch ${o.batchSize}), after ${o.pretrainSteps} backprop steps (uneven difficulty), ${o.warmup} visits to learn per-example statistics, averaged over ${o.repetitions} estimates`;
}

function curvesDescription(o: Settings): string {
  return `Training ${o.curveMethod} for ${o.epochs} epochs with each allocator (the same budget per step; fresh statistics add their pilot's queries)`;
}

function report(o: Settings, mse: readonly MseRow[], curves: readonly Curve[]): string {
  const lines = [
    `# Query allocation: ${o.dataset}, ${o.spec}`,
    '',
    `${mseDescription(o)}. "running": per-example statistics from earlier visits; "fresh": measured by a pilot at the step's θ, whose queries the step pays:`,
    '',
    '| estimator | allocator | MSE | vs uniform | queries per step (pilot included) |',
    '| --- | --- | --- | --- | --- |',
    ...mse.map((r) => `| ${r.estimator} | ${r.allocator} | ${r.mse.toExponential(3)} | ${r.relative.toFixed(3)} | ${r.queries} |`),
  ];
  if (curves.length > 0) {
    lines.push(
      '',
      `${curvesDescription(o)}; test accuracy against queries in ${ALLOCATION_SVG}:`,
      '',
      "| allocator | final test accuracy | queries to reach uniform's final accuracy |",
      '| --- | --- | --- |',
      ...curves.map((c) => `| ${c.allocator} | ${(100 * c.final).toFixed(2)}% | ${c.queriesToUniform === undefined ? 'not reached' : `${c.queriesToUniform} (${(100 * c.shareOfUniform!).toFixed(0)}% of uniform's)`} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The same tables and chart in the report's result contract (result.json). */
function experimentResult(o: Settings & { evalEvery: number; seed: number }, mse: readonly MseRow[], curves: readonly Curve[], chart: LineChart | undefined): ExperimentResult {
  const { spec, ...conditions } = o;
  const tables: ResultTable[] = [
    { title: mseDescription(o), columns: ['estimator', 'allocator', 'MSE', 'vs uniform', 'queries per step'], rows: mse.map((r) => [r.estimator, r.allocator, r.mse, r.relative, r.queries]) },
  ];
  if (curves.length > 0) {
    tables.push({
      title: curvesDescription(o),
      columns: ['allocator', 'final test accuracy', "queries to reach uniform's final accuracy", "share of uniform's queries"],
      rows: curves.map((c) => [c.allocator, c.final, c.queriesToUniform ?? 'not reached', c.shareOfUniform ?? null]),
    });
  }
  return { kind: 'allocation', title: `Query allocation: ${o.dataset}, ${spec}`, conditions: { ...conditions, model: spec }, tables, charts: chart ? [chart] : [] };
}
