import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { chartSpec } from '../report/chart-spec.js';
import { type ExperimentResult, type ResultTable, type ScatterChart, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import { batches } from '../data/batches.js';
import { loadDataset } from '../data/load.js';
import { resolveOptions } from '../estimators/options.js';
import { createEstimator, descriptor } from '../estimators/registry.js';
import { modelFromSpec } from '../nn/factories.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { densityMask, formatPattern, magnitudes, maskedParams, parseSubnets, patternDensity } from '../sparse/masks.js';
import type { StateJson } from '../state/state.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { CORRECTION_HOOK } from '../train/hooks/gradient-correction.js';
import { CHECKPOINT_FILE, type Summary, train } from '../train/trainer.js';

export const AST_JSON = 'ast.json';
export const AST_MD = 'ast.md';

export interface AstOptions {
  readonly out: string;
  readonly dataset?: string;
  /** The model of the density sub-nets (AST's MLP run: 784-300-100-10). */
  readonly model?: string;
  /** The model of the N:M sub-nets: every input width a multiple of the largest M. */
  readonly nmModel?: string;
  /** Density sub-nets ('0.1,0.05,0.02'); '' skips them. */
  readonly densities?: string;
  /** N:M sub-nets ('2:4,1:4,1:8'); '' skips them. */
  readonly patterns?: string;
  readonly methods?: readonly TrainConfig['method'][];
  /** Each method's pruning ramp (share of the plan; 0: sparse from the start), in `methods` order. */
  readonly pruneUntil?: readonly number[];
  readonly corrections?: readonly NonNullable<TrainConfig['correction']>[];
  /** Each method's learning rate, in `methods` order (default: the method's). */
  readonly lrs?: readonly number[];
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly maskEvery?: number;
  readonly seed?: number;
  /** Estimates per variance measurement (0 skips it). */
  readonly varianceRepetitions?: number;
  /** Measure the variance under masks only, training nothing. */
  readonly varianceOnly?: boolean;
}

export interface VarianceRow {
  readonly method: string;
  readonly density: number;
  /** Entries perturbed (the mask's, biases included). */
  readonly active: number;
  /** E‖ĝ − g_M‖² over the repetitions, g_M the exact gradient on the mask's entries. */
  readonly measured: number;
  /** (n − 1)‖g_M‖²/K for Rademacher directions, (n + 1)‖g_M‖²/K for Gaussian ones. */
  readonly theory: number;
}

/**
 * How a mask cuts the variance of weight perturbation: at initialisation, on one batch,
 * the squared error of spsa's and fg-w's estimates against the exact gradient on the
 * mask's entries, for magnitude masks of each density, against the theory: with n
 * perturbed entries and K directions, E‖ĝ − g‖² = (n − 1)‖g‖²/K for Rademacher
 * directions (spsa's) and (n + 1)‖g‖²/K for Gaussian ones (fg-w's); K = 16 for both.
 */
export async function maskedVariance(options: { readonly dataset: string; readonly model: string; readonly densities: readonly number[]; readonly methods?: readonly string[]; readonly repetitions?: number; readonly batchSize?: number; readonly seed?: number }): Promise<VarianceRow[]> {
  const { dataset, densities, methods = ['spsa', 'fg-w'], repetitions = 30, batchSize = 64, seed = 0 } = options;
  const data = await loadDataset(dataset);
  const model = modelFromSpec(options.model, data.train.inputShape, data.train.classes);
  const objective = crossEntropyObjective();
  const theta = model.init(seed);
  const batch = batches(data.train, { batchSize, seed, epoch: 0 }).next().value!;
  const bp = createEstimator('bp', { model, objective, seed });
  const exact = (await bp.estimate({}, { params: theta, batch, step: 0 })).estimate.grad!;
  await bp.dispose();
  const entries = maskedParams(model.layout);
  const rows: VarianceRow[] = [];
  for (const density of densities) {
    const mask = densityMask(model.layout, entries, magnitudes(theta), density);
    const active = mask.reduce((a, v) => a + v, 0);
    const norm = exact.reduce((a, g, i) => a + mask[i]! * g * g, 0);
    for (const method of methods) {
      // 16 directions per estimate for every method, so that 30 estimates pin the mean down.
      const estimator = createEstimator(method, { model, objective, seed }, { directions: 16 });
      const options = resolveOptions(method, descriptor(method).options, { directions: 16 }) as { directions: number; noise: string };
      let measured = 0;
      for (let rep = 0; rep < repetitions; rep++) {
        const { estimate } = await estimator.estimate(estimator.init(theta), { params: theta, batch, step: rep, mask });
        for (let i = 0; i < theta.length; i++) measured += (estimate.grad![i]! - mask[i]! * exact[i]!) ** 2 / repetitions;
      }
      await estimator.dispose();
      const theory = ((options.noise === 'rademacher' ? active - 1 : active + 1) * norm) / options.directions;
      rows.push({ method, density, active, measured, theory });
    }
  }
  return rows;
}

export interface AstRow {
  readonly method: string;
  readonly pattern: string;
  readonly density: number;
  /** Test accuracy of the sub-net trained alone, and within AST per correction mode. */
  readonly alone: number;
  readonly ast: Readonly<Record<string, number>>;
}

export interface AstCost {
  readonly method: string;
  readonly family: string;
  /** Steps and queries of all sub-nets trained alone, and of one AST run. */
  readonly aloneSteps: number;
  readonly aloneQueries: number;
  readonly astSteps: number;
  readonly astQueries: number;
  /** Layers projected by the correction per corrected step, per mode (plain, ema). */
  readonly projected: Readonly<Record<string, number>>;
}

/**
 * AST (Yang, Meng, Seo, Fan, NeurIPS 2022) at a size that runs on two cores: on
 * Fashion-MNIST, each density (0.1, 0.05, 0.02) of an MLP 784-300-100-10 and each N:M
 * pattern (2:4, 1:4, 1:8) trained alone, against all of them trained as AST sub-nets in
 * one run (sub-net t mod K at step t) without correction and with the plain and EMA
 * corrections, with backprop and with a forward-only estimator (fg-w). Every run is a
 * `train` run directory under `out`; writes ast.json, ast.md, result.json and one SVG per method.
 */
export async function runAstExperiment(options: AstOptions, log: (line: string) => void = () => {}): Promise<{ variance: VarianceRow[]; rows: AstRow[]; costs: AstCost[]; markdown: string }> {
  const {
    out,
    dataset = 'fashion-mnist',
    model = 'mlp:784-300-100-10',
    nmModel = 'mlp:784-304-104-10',
    densities = '0.1,0.05,0.02',
    patterns = '2:4,1:4,1:8',
    methods = ['bp', 'fg-w'],
    pruneUntil = methods.map((m) => (descriptor(m).needs === 'reverse-mode' ? 0.69 : 0)),
    corrections = ['none', 'plain', 'ema'],
    lrs = methods.map((m) => descriptor(m).defaultLearningRate),
    epochs = 3,
    batchSize = 64,
    maskEvery = 100,
    seed = 0,
    varianceRepetitions = 30,
  } = options;
  for (const [name, list] of [['pruneUntil', pruneUntil], ['lrs', lrs]] as const) if (list.length !== methods.length) throw new RangeError(`${name} needs one value per method (${methods.length}), got ${list.length}`);
  const families = [
    { name: 'density', model, subnets: densities },
    { name: 'N:M', model: nmModel, subnets: patterns },
  ].filter((f) => f.subnets !== '' && !options.varianceOnly);
  const variance = varianceRepetitions > 0 ? await maskedVariance({ dataset, model, densities: [1, ...(densities === '' ? [] : parseSubnets(densities).map(patternDensity))], repetitions: varianceRepetitions, batchSize, seed }) : [];
  for (const v of variance) log(`${v.method} at density ${v.density}: E‖ĝ − g‖² ${v.measured.toExponential(3)}, theory ${v.theory.toExponential(3)} (${v.active} entries perturbed)`);
  const rows: AstRow[] = [];
  const costs: AstCost[] = [];
  for (const [m, method] of methods.entries()) {
    for (const family of families) {
      const base: TrainConfig = { ...DEFAULT_CONFIG, dataset, model: family.model, method, lr: lrs[m]!, epochs, batchSize, seed, maskEvery, pruneUntil: pruneUntil[m]! };
      const list = parseSubnets(family.subnets).map(formatPattern);
      const alone: Summary[] = [];
      for (const pattern of list) {
        const summary = await train({ ...base, subnets: pattern }, { out: join(out, `${method}-alone-${pattern.replace(':', 'of')}`) });
        alone.push(summary);
        log(`${method} ${pattern} alone: ${percent(summary.subnets![0]!.test_acc)} (${summary.steps} steps, ${summary.wall_s.toFixed(0)} s)`);
      }
      const ast: Record<string, Summary> = {};
      const projected: Record<string, number> = {};
      for (const correction of corrections) {
        const dir = join(out, `${method}-ast-${family.name === 'N:M' ? 'nm' : 'density'}-${correction}`);
        const summary = await train({ ...base, subnets: list.join(','), correction }, { out: dir });
        ast[correction] = summary;
        if (correction !== 'none') projected[correction] = await projectionsPerStep(dir, summary.steps, list.length);
        log(`${method} AST ${family.subnets} (${correction}): ${summary.subnets!.map((s) => `${s.pattern} ${percent(s.test_acc)}`).join(', ')} (${summary.steps} steps, ${summary.wall_s.toFixed(0)} s)`);
      }
      list.forEach((pattern, k) => {
        rows.push({
          method,
          pattern,
          density: alone[k]!.subnets![0]!.density,
          alone: alone[k]!.subnets![0]!.test_acc,
          ast: Object.fromEntries(Object.entries(ast).map(([c, s]) => [c, s.subnets![k]!.test_acc])),
        });
      });
      const first = Object.values(ast)[0]!;
      costs.push({
        method,
        family: family.subnets,
        aloneSteps: alone.reduce((s, a) => s + a.steps, 0),
        aloneQueries: alone.reduce((s, a) => s + a.queries, 0),
        astSteps: first.steps,
        astQueries: first.queries,
        projected,
      });
    }
  }

  const settings = { dataset, model, nmModel, epochs, batchSize, maskEvery, seed, methods: methods.join(','), lrs: lrs.join(','), pruneUntil: pruneUntil.join(','), corrections: corrections.join(',') };
  const charts = methods.filter((method) => rows.some((r) => r.method === method)).map((method): ScatterChart => ({
    type: 'scatter',
    title: `${method}: sub-nets trained alone and as AST sub-nets (test accuracy)`,
    x: { title: 'density (kept share of the weights)', scale: 'log' },
    y: { title: 'test accuracy' },
    series: [
      { name: 'alone', points: rows.filter((r) => r.method === method).map((r) => [r.density, r.alone] as const) },
      ...corrections.map((c) => ({ name: `AST ${c}`, points: rows.filter((r) => r.method === method).map((r) => [r.density, r.ast[c]!] as const) })),
    ],
  }));
  for (const chart of charts) await writeFileAtomic(join(out, `ast-${chart.title.split(':')[0]}.svg`), await chartSvg(chartSpec(chart).spec));
  const markdown = report(settings, variance, rows, costs, corrections);
  await writeExperimentResult(out, experimentResult(settings, variance, rows, costs, corrections, charts));
  await writeFileAtomic(join(out, AST_JSON), `${JSON.stringify({ settings, variance, rows, costs }, null, 2)}\n`);
  await writeFileAtomic(join(out, AST_MD), markdown);
  return { variance, rows, costs, markdown };
}

/** Layers the correction projected per corrected step (steps of sub-nets 1 … K − 1), from the run's checkpoint. */
async function projectionsPerStep(dir: string, steps: number, k: number): Promise<number> {
  const checkpoint = await loadCheckpoint(join(dir, CHECKPOINT_FILE));
  const json = checkpoint.extras?.[`hook:${CORRECTION_HOOK}`]?.json as { readonly projections?: StateJson } | undefined;
  const corrected = steps - Math.ceil(steps / k);
  return typeof json?.projections === 'number' && corrected > 0 ? json.projections / corrected : 0;
}

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

type Settings = Readonly<Record<string, string | number>>;

const VARIANCE_TITLE = 'Variance of weight perturbation under magnitude masks (at initialisation, one batch): measured E‖ĝ − g‖² against (n ∓ 1)‖g‖²/K';

function report(o: Settings, variance: readonly VarianceRow[], rows: readonly AstRow[], costs: readonly AstCost[], corrections: readonly string[]): string {
  const best = (r: AstRow) => Math.max(...corrections.map((c) => r.ast[c]!));
  return [
    `# AST: ${o.dataset}, ${o.model} (densities) and ${o.nmModel} (N:M), ${o.epochs} epochs`,
    '',
    ...(variance.length === 0 ? [] : [
      `${VARIANCE_TITLE}:`,
      '',
      '| method | density | entries perturbed | measured | theory | measured / theory |',
      '| --- | --- | --- | --- | --- | --- |',
      ...variance.map((v) => `| ${v.method} | ${v.density} | ${v.active} | ${v.measured.toExponential(3)} | ${v.theory.toExponential(3)} | ${(v.measured / v.theory).toFixed(3)} |`),
      '',
    ]),
    `Test accuracy of each sub-net: trained alone for ${o.epochs} epochs, and as one of the AST sub-nets trained in turn in one run of ${o.epochs} epochs (correction none, plain, EMA). Masks updated every ${o.maskEvery} steps; per method (${o.methods}): learning rate ${o.lrs}, pruning ramp ${o.pruneUntil} of the plan; Adam, cosine schedule, batch ${o.batchSize}, seed ${o.seed}.`,
    '',
    `| method | sub-net | density | alone | ${corrections.map((c) => `AST (${c})`).join(' | ')} | best AST − alone |`,
    `| --- | --- | --- | --- | ${corrections.map(() => '---').join(' | ')} | --- |`,
    ...rows.map((r) => `| ${r.method} | ${r.pattern} | ${(100 * r.density).toFixed(1)}% | ${percent(r.alone)} | ${corrections.map((c) => percent(r.ast[c]!)).join(' | ')} | ${(100 * (best(r) - r.alone)).toFixed(2)} |`),
    '',
    'Cost: all sub-nets trained alone against one AST run, and how often the correction projects:',
    '',
    '| method | sub-nets | steps alone (all) | steps AST | queries alone (all) | queries AST | layers projected per corrected step |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...costs.map((c) => `| ${c.method} | ${c.family} | ${c.aloneSteps} | ${c.astSteps} | ${c.aloneQueries} | ${c.astQueries} | ${Object.entries(c.projected).map(([m, v]) => `${m} ${v.toFixed(2)}`).join(', ')} |`),
    '',
  ].join('\n');
}

function experimentResult(o: Settings, variance: readonly VarianceRow[], rows: readonly AstRow[], costs: readonly AstCost[], corrections: readonly string[], charts: readonly ScatterChart[]): ExperimentResult {
  const tables: ResultTable[] = [
    ...(variance.length === 0 ? [] : [{ title: VARIANCE_TITLE, columns: ['method', 'density', 'entries perturbed', 'measured', 'theory', 'measured / theory'], rows: variance.map((v) => [v.method, v.density, v.active, v.measured, v.theory, v.measured / v.theory]) }]),
    {
      title: 'Test accuracy of each sub-net, alone and within AST',
      columns: ['method', 'sub-net', 'density', 'alone', ...corrections.map((c) => `AST (${c})`)],
      rows: rows.map((r) => [r.method, r.pattern, r.density, r.alone, ...corrections.map((c) => r.ast[c] ?? null)]),
    },
    {
      title: 'Cost of training every sub-net alone against one AST run',
      columns: ['method', 'sub-nets', 'steps alone (all)', 'steps AST', 'queries alone (all)', 'queries AST', 'layers projected per corrected step'],
      rows: costs.map((c) => [c.method, c.family, c.aloneSteps, c.astSteps, c.aloneQueries, c.astQueries, Object.entries(c.projected).map(([m, v]) => `${m} ${v.toFixed(2)}`).join(', ')]),
    },
  ];
  return { kind: 'ast', title: `AST sub-nets on ${o.dataset}`, conditions: { ...o }, tables, charts };
}
