import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyDataset, DatasetSplit } from '../data/dataset.js';
import { subset } from '../data/dataset.js';
import { loadDataset, parseDatasetSpec } from '../data/load.js';
import type { OptionValue } from '../estimators/options.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { modelFromSpec } from '../nn/factories.js';
import { type Objective, objectiveFromSpec } from '../objectives/objective.js';
import { chartSpec } from '../report/chart-spec.js';
import { median, powerLawFit, timeToTarget } from '../report/curves.js';
import { resultMarkdown } from '../report/markdown.js';
import { type Cell, type ExperimentResult, type LineChart, type ResultTable, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import { outputsFor } from '../train/trainer.js';
import { type MgdRunConfig, type MgdRunResult, mgdRun } from './mgd-run.js';

export const MGD_STUDIES = ['codes', 'scaling', 'time-constants', 'noise', 'fashion-cnn'] as const;
export type MgdStudy = (typeof MGD_STUDIES)[number];

export interface MgdExperimentOptions {
  readonly study: MgdStudy;
  readonly out: string;
  /** Seeds per configuration (default: the study's). */
  readonly seeds?: number;
  /** Multiplies every step budget (below 1 for quick checks). */
  readonly budget?: number;
  /** Duration of one step in the hardware's time unit: hardware time = steps × dt. */
  readonly dt?: number;
  /** scaling: the parity networks' hidden widths (default 2, 4, 8, 16, 32). */
  readonly widths?: readonly number[];
  /** scaling: the MLPs' data, 'mnist' or 'fashion-mnist', or 'none' to skip them. */
  readonly mlpDataset?: string;
  /** fashion-cnn: examples per batch (the papers: 1000). */
  readonly batchSize?: number;
  /** fashion-cnn: MGD's η with the reference normalisation (the papers: 10). */
  readonly mgdLrs?: readonly number[];
  /** fashion-cnn: backprop's SGD learning rate (the papers: 1 at batch 1000, which diverges at batch 100). */
  readonly bpLr?: number;
}

export interface MgdStudyReport {
  readonly result: ExperimentResult;
  readonly markdown: string;
  /** The SVG files written, one per chart. */
  readonly charts: readonly string[];
}

/** One configuration run over seeds: its labels (the table's first columns) and the run's settings. */
interface Arm {
  readonly labels: readonly Cell[];
  readonly config: Omit<MgdRunConfig, 'seed'>;
}

interface ArmResult {
  readonly arm: Arm;
  readonly runs: readonly MgdRunResult[];
}

/** The papers' sigmoid MLP on a generated task, and MGD's defaults for it (ours: the papers' values are unknown). */
interface Task {
  readonly dataset: string;
  readonly hidden: number;
  readonly lr: number;
  readonly steps: number;
}

const TASKS: Readonly<Record<'xor' | 'parity:4', Task>> = {
  xor: { dataset: 'xor', hidden: 2, lr: 0.5, steps: 10_000 },
  'parity:4': { dataset: 'parity:4', hidden: 8, lr: 0.1, steps: 20_000 },
};

/** MGD's settings in every parity and XOR run unless a study varies them: cdma, Δ = 0.05, per-parameter normalisation, τ = 1. */
const BASE: Readonly<Record<string, OptionValue>> = { code: 'cdma', amplitude: 0.05 };
const TARGET = 0.9;
const EVAL_EVERY = 100;
/** Runs stop once the target has held for this many evaluations. */
const PATIENCE = 10;

const SUMMARY_COLUMNS = ['success', 'steps (first hit)', 'steps (stays above)', 'forward passes (first hit)', 'forward passes (stays above)', 'hardware time (first hit)', 'hardware time (stays above)', 'median final accuracy'];

/**
 * `forwardprop experiment mgd <study>`: the MGD papers' experiments (McCaughan et al. 2023;
 * Oripov et al. 2025) sized for a 2-core CPU, each writing result.json, mgd-<study>.md,
 * mgd-<study>.json and one SVG per chart into `out`. Every run is `mgdRun` (trainStep,
 * plain SGD on the estimate). Medians count a run that never reached the target as
 * infinitely slow, so a median is missing when half the seeds fail.
 */
export async function runMgdExperiment(options: MgdExperimentOptions, log: (line: string) => void = () => {}): Promise<MgdStudyReport> {
  await mkdir(options.out, { recursive: true });
  const dt = options.dt ?? 1;
  const study = await STUDIES[options.study]({ ...options, dt }, log);
  const charts: string[] = [];
  for (const [i, chart] of study.result.charts.entries()) {
    const file = `mgd-${options.study}-${i + 1}.svg`;
    await writeFileAtomic(join(options.out, file), await chartSvg(chartSpec(chart).spec));
    charts.push(file);
  }
  await writeExperimentResult(options.out, study.result);
  const markdown = resultMarkdown(study.result, charts);
  await writeFileAtomic(join(options.out, `mgd-${options.study}.md`), markdown);
  await writeFileAtomic(join(options.out, `mgd-${options.study}.json`), `${JSON.stringify({ options, ...study.raw }, null, 2)}\n`);
  return { result: study.result, markdown, charts };
}

type StudyRunner = (o: MgdExperimentOptions & { readonly dt: number }, log: (line: string) => void) => Promise<{ result: ExperimentResult; raw: Record<string, unknown> }>;

const STUDIES: Readonly<Record<MgdStudy, StudyRunner>> = {
  codes: codesStudy,
  scaling: scalingStudy,
  'time-constants': timeConstantsStudy,
  noise: noiseStudy,
  'fashion-cnn': fashionCnnStudy,
};

/** A generated task's data, the papers' sigmoid MLP [inputs, hidden, outputs] for it, and MSE. */
async function sigmoidTask(dataset: string, hidden: number) {
  const data = (await loadDataset(dataset, { task: parseDatasetSpec(dataset).task })) as DatasetSplit<AnyDataset>;
  const inputs = data.train.inputShape.reduce((a, b) => a * b, 1);
  const outputs = outputsFor(data.train);
  const model = modelFromSpec(`mlp:${inputs}-${hidden}-${outputs}:sigmoid:sigmoid`, data.train.inputShape, outputs);
  return { data, model, objective: objectiveFromSpec('mse') };
}

/** Every arm over `seeds` seeds (0 … seeds − 1), logging one line per run. */
async function runArms(arms: readonly Arm[], seeds: number, log: (line: string) => void): Promise<ArmResult[]> {
  const results: ArmResult[] = [];
  for (const arm of arms) {
    const runs: MgdRunResult[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const run = await mgdRun({ ...arm.config, seed });
      runs.push(run);
      const hit = run.firstHit ? `${arm.config.target} at step ${run.firstHit.steps}` : `${arm.config.target} not reached`;
      log(`${arm.labels.join(' ')} seed ${seed}: ${hit}, final ${run.final.toFixed(3)} after ${run.steps} steps (${run.seconds.toFixed(1)} s)`);
    }
    results.push({ arm, runs });
  }
  return results;
}

/** A median over runs of a time to target, a run that never got there counting as infinite; null when the median is. */
function medianTime(runs: readonly MgdRunResult[], pick: (r: MgdRunResult) => number | undefined): number | null {
  const m = median(runs.map((r) => pick(r) ?? Number.POSITIVE_INFINITY));
  return Number.isFinite(m) ? m : null;
}

/** The summary columns of one arm: success rate, times to target by both definitions in steps, forward passes and hardware time, final accuracy. */
function summary(runs: readonly MgdRunResult[], dt: number): Cell[] {
  const steps = medianTime(runs, (r) => r.firstHit?.steps);
  const stays = medianTime(runs, (r) => r.staysAbove?.steps);
  return [
    `${runs.filter((r) => r.firstHit).length}/${runs.length}`,
    steps,
    stays,
    medianTime(runs, (r) => r.firstHit?.forwardPasses),
    medianTime(runs, (r) => r.staysAbove?.forwardPasses),
    steps === null ? null : steps * dt,
    stays === null ? null : stays * dt,
    median(runs.map((r) => r.final)),
  ];
}

/**
 * The median accuracy over an arm's seeds at each evaluation, a run that stopped early
 * (its target held) carried at its last value; x is the step or the forward passes.
 */
function medianCurve(runs: readonly MgdRunResult[], x: 'step' | 'forwardPasses'): [number, number][] {
  const longest = runs.reduce((a, r) => (r.curve.length > a.curve.length ? r : a), runs[0]!);
  return longest.curve.map((point, i) => [point[x], median(runs.map((r) => r.curve[Math.min(i, r.curve.length - 1)]!.accuracy))]);
}

function table(title: string, labels: readonly string[], results: readonly ArmResult[], dt: number, extra: readonly [string, (runs: readonly MgdRunResult[]) => Cell][] = []): ResultTable {
  return {
    title,
    columns: [...labels, ...SUMMARY_COLUMNS, ...extra.map(([name]) => name)],
    rows: results.map(({ arm, runs }) => [...arm.labels, ...summary(runs, dt), ...extra.map(([, f]) => f(runs))]),
  };
}

function curveChart(title: string, results: readonly ArmResult[], name: (arm: Arm) => string, x: 'step' | 'forwardPasses' = 'step'): LineChart {
  return {
    type: 'line',
    title,
    x: { title: x === 'step' ? 'steps' : 'forward passes' },
    y: { title: 'accuracy (median over seeds)' },
    series: results.map(({ arm, runs }) => ({ name: name(arm), points: medianCurve(runs, x) })),
  };
}

/** Every run of every arm, curves included, for the study's JSON. */
function raw(results: readonly ArmResult[]) {
  return results.map(({ arm, runs }) => ({ labels: arm.labels, runs }));
}

const scaled = (steps: number, o: MgdExperimentOptions) => Math.max(EVAL_EVERY, Math.round(steps * (o.budget ?? 1)));

async function codesStudy(o: MgdExperimentOptions & { dt: number }, log: (line: string) => void) {
  const seeds = o.seeds ?? 10;
  const results: ArmResult[] = [];
  for (const [name, task] of Object.entries(TASKS)) {
    const { data, model, objective } = await sigmoidTask(task.dataset, task.hidden);
    const arms = (['tdma', 'cdma', 'walsh', 'fdma'] as const).map((code): Arm => ({
      labels: [name, code],
      config: { model, objective, train: data.train, evaluation: data.test, method: 'mgd', options: { ...BASE, code }, lr: task.lr, batchSize: 1, steps: scaled(task.steps, o), evalEvery: EVAL_EVERY, target: TARGET, patience: PATIENCE },
    }));
    results.push(...(await runArms(arms, seeds, log)));
  }
  const tasks = Object.entries(TASKS);
  const result: ExperimentResult = {
    kind: 'mgd codes',
    title: 'MGD perturbation codes on XOR and 4-bit parity',
    conditions: {
      models: 'mlp [2, 2, 1] (xor), [4, 8, 1] (parity:4); sigmoid on every layer; MSE',
      estimator: 'mgd, amplitude Δ 0.05, per-parameter normalisation, τx = τp = τθ = 1, discrete',
      optimizer: `plain SGD, η ${tasks.map(([n, t]) => `${t.lr} (${n})`).join(', ')}`,
      batch: '1 (sample by sample, reshuffled every epoch)',
      budget: tasks.map(([n, t]) => `${scaled(t.steps, o)} steps (${n})`).join(', '),
      target: TARGET,
      seeds,
      dt: o.dt,
    },
    tables: [table(`Time to ${TARGET} accuracy on the whole truth table, median over ${seeds} seeds (a seed that never reached it counts as infinitely slow)`, ['task', 'code'], results, o.dt)],
    charts: tasks.map(([name]) => curveChart(`${name}: accuracy against steps per code`, results.filter((r) => r.arm.labels[0] === name), (arm) => String(arm.labels[1]))),
    notes: ['fdma frequencies are spread evenly over 0.05 to 0.45 cycles per step (the papers do not give theirs). Runs stop once the target has held for 10 evaluations (1,000 steps).'],
  };
  return { result, raw: { results: raw(results) } };
}

async function scalingStudy(o: MgdExperimentOptions & { dt: number }, log: (line: string) => void) {
  const seeds = o.seeds ?? 3;
  const modes = ['weights', 'nodes'] as const;
  /**
   * Of arms over an η grid, the one that reaches the target and stays there soonest (median
   * over seeds), then the soonest first hit, then the best final accuracy: an η that hits
   * the target and then diverges does not win.
   */
  const best = (results: readonly ArmResult[]) => {
    const keys = (r: ArmResult) => [
      medianTime(r.runs, (run) => run.staysAbove?.steps) ?? Number.POSITIVE_INFINITY,
      medianTime(r.runs, (run) => run.firstHit?.steps) ?? Number.POSITIVE_INFINITY,
      -median(r.runs.map((run) => run.final)),
    ];
    const before = (a: number[], b: number[]) => {
      const i = a.findIndex((v, k) => v !== b[k]);
      return i >= 0 && a[i]! < b[i]!;
    };
    return results.reduce((a, b) => (before(keys(b), keys(a)) ? b : a));
  };
  // Parity: batch 4 (a third of the steps of sample-by-sample runs), every η of the grid per width and mode.
  const parityRates = [0.1, 0.3, 1];
  const paritySteps = scaled(10_000, o);
  const parity: { hidden: number; mode: string; best: ArmResult; parameters: number; perturbed: number }[] = [];
  for (const hidden of o.widths ?? [2, 4, 8, 16, 32]) {
    const { data, model, objective } = await sigmoidTask('parity:4', hidden);
    for (const mode of modes) {
      const arms = parityRates.map((lr): Arm => ({
        labels: [hidden, mode, lr],
        config: { model, objective, train: data.train, evaluation: data.test, method: 'mgd', options: { ...BASE, perturb: mode }, lr, batchSize: 4, steps: paritySteps, evalEvery: EVAL_EVERY, target: TARGET, patience: PATIENCE },
      }));
      parity.push({ hidden, mode, best: best(await runArms(arms, seeds, log)), parameters: model.layout.size, perturbed: mode === 'nodes' ? hidden + 1 : model.layout.size });
    }
  }
  // MLPs on real data: a two-point η grid per mode, one seed (a run takes minutes on 2 cores).
  const mlpData = o.mlpDataset ?? 'mnist';
  const mlpTarget = 0.8;
  const mlpRates = { weights: [0.001, 0.003], nodes: [0.003, 0.01] } as const;
  const mlpSteps = scaled(3000, o);
  const mlp: { hidden: number; mode: string; best: ArmResult; parameters: number; perturbed: number }[] = [];
  if (mlpData !== 'none') {
    const data = await loadDataset(mlpData);
    const objective = objectiveFromSpec('cross-entropy');
    for (const hidden of [32, 128, 512]) {
      const model = modelFromSpec(`mlp:784-${hidden}-10`, data.train.inputShape, 10);
      for (const mode of modes) {
        const arms = mlpRates[mode].map((lr): Arm => ({
          labels: [hidden, mode, lr],
          config: { model, objective, train: data.train, evaluation: data.test, method: 'mgd', options: { ...BASE, amplitude: 0.1, perturb: mode }, lr, batchSize: 100, steps: mlpSteps, evalEvery: 250, target: mlpTarget, patience: 0 },
        }));
        mlp.push({ hidden, mode, best: best(await runArms(arms, 1, log)), parameters: model.layout.size, perturbed: mode === 'nodes' ? hidden + 10 : model.layout.size });
      }
    }
  }
  const fits: Cell[][] = [];
  for (const [name, rows] of [['parity:4', parity], [mlpData, mlp]] as const) {
    if (rows.length === 0) continue;
    for (const mode of modes) {
      const points = (what: (r: MgdRunResult) => number | undefined) => rows.filter((r) => r.mode === mode).map((r) => ({ x: r.parameters, y: medianTime(r.best.runs, what) ?? Number.NaN }));
      const steps = powerLawFit(points((r) => r.firstHit?.steps));
      const stays = powerLawFit(points((r) => r.staysAbove?.steps));
      const passes = powerLawFit(points((r) => r.firstHit?.forwardPasses));
      fits.push([name, mode, steps.slope, steps.r2, stays.slope, passes.slope, steps.points]);
    }
  }
  const widthTable = (title: string, rows: typeof parity): ResultTable => ({
    title,
    columns: ['h', 'mode', 'η', 'parameters P', 'perturbed (P or neurons)', ...SUMMARY_COLUMNS],
    rows: rows.map((r) => [r.hidden, r.mode, r.best.arm.labels[2]!, r.parameters, r.perturbed, ...summary(r.best.runs, o.dt)]),
  });
  const result: ExperimentResult = {
    kind: 'mgd scaling',
    title: 'Does MGD’s time to target grow linearly with the network? Weight against node perturbation',
    conditions: {
      parity: `parity:4, mlp [4, h, 1] sigmoid, MSE, batch 4, ${paritySteps} steps, target ${TARGET}, η ∈ {${parityRates.join(', ')}} (per width and mode the one that stays above the target soonest), ${seeds} seeds`,
      mlps: mlpData === 'none' ? 'skipped' : `${mlpData}, mlp [784, h, 10] ReLU, cross-entropy, batch 100, ${mlpSteps} steps, target ${mlpTarget} test accuracy, η ∈ {${mlpRates.weights.join(', ')}} (weights), {${mlpRates.nodes.join(', ')}} (nodes), Δ 0.1, seed 0`,
      estimator: 'mgd cdma, Δ 0.05 (parity), per-parameter normalisation, τ = 1, discrete; node perturbation perturbs every pre-activation (and the logits)',
      dt: o.dt,
    },
    tables: [
      widthTable(`parity:4: time to ${TARGET} by width h, at each (h, mode)'s best η, median over ${seeds} seeds`, parity),
      ...(mlp.length > 0 ? [widthTable(`${mlpData}: time to ${mlpTarget} test accuracy by width h, at each (h, mode)'s best η`, mlp)] : []),
      { title: 'Log-log fits of the median time to target against the parameter count P, over the widths that reached it: time ∝ P^slope', columns: ['task', 'mode', 'slope (steps, first hit)', 'r² (steps, first hit)', 'slope (steps, stays above)', 'slope (forward passes, first hit)', 'widths that reached the target'], rows: fits },
    ],
    charts: [
      scalingChart(`parity:4: steps to ${TARGET} against parameters (log-log)`, parity),
      ...(mlp.length > 0 ? [scalingChart(`${mlpData}: steps to ${mlpTarget} against parameters (log-log)`, mlp)] : []),
    ],
    notes: [scalingVerdict(fits)],
  };
  return { result, raw: { parity: parity.map((p) => ({ ...p, best: raw([p.best])[0] })), mlp: mlp.map((m) => ({ ...m, best: raw([m.best])[0] })), fits } };
}

/** The verdict on P25's claim from the fitted slopes: linear (≈ 1), sublinear, or falling. */
function scalingVerdict(fits: readonly Cell[][]): string {
  const parts = fits.map(([task, mode, slope]) => {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) return `${task} ${mode}: too few widths reached the target to fit`;
    const kind = slope < 0 ? 'falls with size' : slope < 0.8 ? 'grows sublinearly' : slope <= 1.2 ? 'grows about linearly' : 'grows faster than linearly';
    return `${task} ${mode}: time to target ${kind} (slope ${slope.toFixed(2)})`;
  });
  return `Oripov et al. (2025) claim that time to a target accuracy does not grow linearly with the number of parameters. Our numbers: ${parts.join('; ')}.`;
}

function scalingChart(title: string, rows: readonly { mode: string; parameters: number; best: ArmResult }[]): LineChart {
  return {
    type: 'line',
    title,
    x: { title: 'parameters P', scale: 'log' },
    y: { title: 'median steps to target (first hit)', scale: 'log' },
    series: ['weights', 'nodes'].map((mode) => ({ name: mode, points: rows.filter((r) => r.mode === mode).map((r) => [r.parameters, medianTime(r.best.runs, (run) => run.firstHit?.steps)] as [number, number | null]) })),
  };
}

async function timeConstantsStudy(o: MgdExperimentOptions & { dt: number }, log: (line: string) => void) {
  const seeds = o.seeds ?? 3;
  const task = TASKS['parity:4'];
  const { data, model, objective } = await sigmoidTask(task.dataset, task.hidden);
  const passes = scaled(40_000, o);
  const sweeps: [string, number, Record<string, number>][] = [
    ...[1, 10, 100, 1000].map((t): [string, number, Record<string, number>] => ['τθ (τx = τθ)', t, { tautheta: t, taux: t }]),
    ...[10, 100].map((t): [string, number, Record<string, number>] => ['τx', t, { taux: t }]),
    ...[10, 100].map((t): [string, number, Record<string, number>] => ['τp', t, { taup: t }]),
  ];
  const arms = sweeps.map(([sweep, value, taus]): Arm => ({
    labels: [sweep, value],
    config: { model, objective, train: data.train, evaluation: data.test, method: 'mgd', options: { ...BASE, ...taus }, lr: task.lr, batchSize: 1, steps: passes, forwardPasses: passes, evalEvery: EVAL_EVERY, target: TARGET, patience: 0, angles: true },
  }));
  const results = await runArms(arms, seeds, log);
  const angle: [string, (runs: readonly MgdRunResult[]) => Cell] = ['mean angle to the exact gradient (°)', (runs) => median(runs.map((r) => r.meanAngle ?? Number.NaN))];
  const updates: [string, (runs: readonly MgdRunResult[]) => Cell] = ['updates', (runs) => median(runs.map((r) => r.updates))];
  const result: ExperimentResult = {
    kind: 'mgd time-constants',
    title: 'MGD time constants on 4-bit parity at equal forward passes',
    conditions: {
      model: 'mlp [4, 8, 1] sigmoid, MSE, batch 1',
      estimator: 'mgd cdma, Δ 0.05, per-parameter normalisation, discrete; the other τ are 1',
      optimizer: `plain SGD, η ${task.lr} per step of integration (θ ← θ − η·G_int, G_int summed over τθ steps)`,
      budget: `${passes} forward passes (the baseline pass counts)`,
      target: TARGET,
      seeds,
      dt: o.dt,
    },
    tables: [table(`Time to ${TARGET} at a budget of ${passes} forward passes, median over ${seeds} seeds`, ['sweep', 'value'], results, o.dt, [angle, updates])],
    charts: [
      curveChart('τθ (with τx = τθ): accuracy against forward passes', results.filter((r) => String(r.arm.labels[0]).startsWith('τθ')), (arm) => `τθ = ${arm.labels[1]}`, 'forwardPasses'),
      curveChart('τx and τp: accuracy against forward passes', results.filter((r) => !String(r.arm.labels[0]).startsWith('τθ') || r.arm.labels[1] === 1), (arm) => (arm.labels[1] === 1 ? 'all τ = 1' : `${String(arm.labels[0])} = ${arm.labels[1]}`), 'forwardPasses'),
    ],
    notes: [
      'Forward passes are the cost measurements: C(θ + θ̃) every step and the baseline C(θ) whenever x or θ changed, so τx = τθ = k costs (k + 1)/k passes per step. The angle is between each update\'s G_int and the exact gradient of the same integrated cost, the sum over the update\'s τθ steps of the backprop gradient of each step\'s sample at θ (the papers\' code compares with a finite-difference gradient): it measures the estimate, not the sampling.',
    ],
  };
  return { result, raw: { results: raw(results) } };
}

async function noiseStudy(o: MgdExperimentOptions & { dt: number }, log: (line: string) => void) {
  const seeds = o.seeds ?? 5;
  const task = TASKS['parity:4'];
  const { data, model, objective } = await sigmoidTask(task.dataset, task.hidden);
  const config = (overrides: Partial<MgdRunConfig> = {}): Omit<MgdRunConfig, 'seed'> => ({
    model, objective, train: data.train, evaluation: data.test, method: 'mgd', options: BASE, lr: task.lr, batchSize: 1, steps: scaled(task.steps, o), evalEvery: EVAL_EVERY, target: TARGET, patience: PATIENCE, ...overrides,
  });
  const arms: Arm[] = [{ labels: ['none', 0], config: config() }];
  for (const sigma of [1e-4, 1e-3, 1e-2]) arms.push({ labels: ['cost noise Cσ', sigma], config: config({ options: { ...BASE, costNoise: sigma } }) });
  for (const sigma of [1e-4, 1e-3, 1e-2]) arms.push({ labels: ['update noise θσ', sigma], config: config({ updateNoise: sigma }) });
  for (const sigma of [0.1, 0.25, 0.5]) {
    // Device variation: one device (variation seed 0) for every run.
    arms.push({ labels: ['device variation σ', sigma], config: config({ model: modelFromSpec(`mlp:4-8-1:sigmoid:sigmoid:variation=${sigma},seed=0`, [4], 1) }) });
  }
  const results = await runArms(arms, seeds, log);
  const successChart: LineChart = {
    type: 'line',
    title: `Success rate (reaching ${TARGET}) against noise level`,
    x: { title: 'noise level σ', scale: 'log' },
    y: { title: 'success rate' },
    series: ['cost noise Cσ', 'update noise θσ', 'device variation σ'].map((kind) => ({
      name: kind,
      points: results.filter((r) => r.arm.labels[0] === kind).map((r) => [r.arm.labels[1] as number, r.runs.filter((run) => run.firstHit).length / r.runs.length] as [number, number]),
    })),
  };
  const result: ExperimentResult = {
    kind: 'mgd noise',
    title: 'MGD under hardware noise on 4-bit parity',
    conditions: {
      model: 'mlp [4, 8, 1] sigmoid, MSE, batch 1',
      estimator: 'mgd cdma, Δ 0.05, per-parameter normalisation, τ = 1, discrete',
      optimizer: `plain SGD, η ${task.lr}`,
      budget: `${scaled(task.steps, o)} steps`,
      target: TARGET,
      seeds,
      dt: o.dt,
    },
    tables: [table(`Success and time to ${TARGET} per noise, median over ${seeds} seeds`, ['noise', 'σ'], results, o.dt)],
    charts: [successChart],
    notes: [
      'Cσ: Gaussian noise on every cost measurement (C and the baseline C₀); the cost differences it corrupts are about Δ·|∇C| ≈ 10⁻³ here. θσ: Gaussian noise on every parameter at every update (the papers\' code adds one draw to all parameters; we draw one per parameter). Device variation: every sigmoid neuron computes L/(1 + e^{−k(z − x₀)}) + y₀ with x₀, y₀ ~ N(0, σ²) and k, L ~ 1 + N(0, σ²), one fixed device (seed 0) for every run.',
    ],
  };
  return { result, raw: { results: raw(results) } };
}

async function fashionCnnStudy(o: MgdExperimentOptions & { dt: number }, log: (line: string) => void) {
  const batchSize = o.batchSize ?? 100;
  const lrs = o.mgdLrs ?? [3, 10];
  const bpLr = o.bpLr ?? 0.1;
  const steps = scaled(4000, o);
  const data = await loadDataset('fashion-mnist');
  // The papers' split: the last 1,000 training images validate, the rest train, in a fixed order.
  const n = data.train.size;
  const train = subset(data.train, Array.from({ length: n - 1000 }, (_, i) => i));
  const validation = subset(data.train, Array.from({ length: 1000 }, (_, i) => n - 1000 + i));
  const model = modelFromSpec('cnn', data.train.inputShape, 10);
  const objective: Objective = objectiveFromSpec('cross-entropy:0.01');
  const common = { model, objective, train, evaluation: validation, batchSize, fixedOrder: true, steps, evalEvery: 100, target: 0.85, patience: 0 } as const;
  const arms: Arm[] = [
    { labels: ['bp', `SGD lr ${bpLr}`], config: { ...common, method: 'bp', lr: bpLr } },
    ...lrs.map((lr): Arm => ({ labels: ['mgd', `η ${lr}`], config: { ...common, method: 'mgd', options: { code: 'cdma', amplitude: 0.1, normalization: 'reference' }, lr } })),
  ];
  const results = await runArms(arms, 1, log);
  const to = (target: number, kind: 'firstHit' | 'staysAbove') => (runs: readonly MgdRunResult[]): Cell => timeToTarget(runs[0]!.curve.map((p) => ({ x: p.step, y: p.accuracy })), target)[kind] ?? null;
  const result: ExperimentResult = {
    kind: 'mgd fashion-cnn',
    title: 'The MGD papers’ Fashion-MNIST CNN: MGD (cdma) against backprop SGD on the same batches',
    conditions: {
      model: 'cnn (conv 1→16→32→32, ReLU, max-pool, dense 32→10; 14,378 parameters; He init)',
      objective: 'cross-entropy with label smoothing 0.01',
      data: 'Fashion-MNIST: the first 59,000 training images in a fixed order, validation on the last 1,000',
      batch: batchSize,
      steps,
      mgd: 'cdma, Δ 0.1, reference normalisation (G = C̃θ̃/Δ², E[G] = ∇C/P), τ = 1, discrete',
      dt: o.dt,
    },
    tables: [
      {
        title: 'Validation accuracy: steps to 0.85 and 0.9 (evaluated every 100 steps), seed 0',
        columns: ['method', 'η', 'steps to 0.85 (first hit)', 'steps to 0.85 (stays above)', 'steps to 0.9 (first hit)', 'steps to 0.9 (stays above)', 'final accuracy', 'forward passes', 'wall seconds'],
        rows: results.map(({ arm, runs }) => [...arm.labels, to(0.85, 'firstHit')(runs), to(0.85, 'staysAbove')(runs), to(0.9, 'firstHit')(runs), to(0.9, 'staysAbove')(runs), runs[0]!.final, runs[0]!.forwardPasses, runs[0]!.seconds]),
      },
    ],
    charts: [curveChart('Fashion-MNIST CNN: validation accuracy against steps', results, (arm) => arm.labels.join(' '))],
    notes: [
      `Reduced from the papers' batch 1000 and 5,000 steps to batch ${batchSize} and ${steps} steps so that a run takes minutes on two cores. At batch 100 the papers' backprop rate, SGD lr 1, diverged in a 200-step pilot (with He and with Glorot init); lr 0.1 did not. MGD's η ${lrs.join(', ')} with the reference normalisation equal plain SGD rates of η/P = ${lrs.map((lr) => (lr / model.layout.size).toExponential(1)).join(', ')} along the gradient per step; η = 100 diverged within 15 steps in a pilot (the random part of each step, about η·|C̃|/Δ in norm, is then several units).`,
    ],
  };
  return { result, raw: { results: raw(results) } };
}
