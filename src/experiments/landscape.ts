import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Batch, batches } from '../data/batches.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { HessianVectorProduct, hessianExtremes } from '../landscape/curvature.js';
import { filterNormalizedDirection } from '../landscape/directions.js';
import { type Landscape, computeLandscape } from '../landscape/landscape.js';
import { SurfaceEvaluator } from '../landscape/surface.js';
import { WorkerPoolSurface } from '../scale/pool.js';
import { modelFromSpec } from '../nn/factories.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import { chartSpec } from '../report/chart-spec.js';
import { type ExperimentResult, type HeatmapChart, type LineChart, writeExperimentResult } from '../report/result.js';
import { chartSvg, svgToPng } from '../report/static-chart.js';
import { deriveSeed } from '../rng/stream.js';
import { type Checkpoint, loadCheckpoint } from '../train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { descriptor } from '../estimators/registry.js';
import { checkpointSubnet, splitHoldout } from '../train/run-hooks.js';
import { CHECKPOINT_FILE, outputsFor, train, trainingData } from '../train/trainer.js';

export const LANDSCAPE_JSON = 'landscape.json';
export const CONTOUR_SVG = 'contour.svg';
export const HEATMAP_SVG = 'heatmap.svg';
export const LANDSCAPE_PNG = 'landscape.png';

export interface RunLandscapeOptions {
  /** Where landscape.json, result.json, the SVGs and the PNG go. */
  readonly out: string;
  /** 1-D along the line to this run's θ (a run directory or checkpoint) instead of random directions. */
  readonly to?: string;
  /** 1 or 2 filter-normalised directions (ignored with `to`). Default 2. */
  readonly dims?: 1 | 2;
  /** Grid points per axis (default 51; 41 between two runs, so that both runs are grid points). */
  readonly points?: number;
  /** Coordinates per axis (default [−1, 1]; [−0.5, 1.5] between two runs). */
  readonly range?: readonly [number, number];
  /** The first this many training examples of the run (default 1000). */
  readonly examples?: number;
  /** Sub-net k of a run with sub-nets: θ ⊙ Mₖ, directions on its entries. */
  readonly subnet?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
  readonly copiesPerCall?: number;
  /** Evaluate the grid on this many worker threads (WorkerPoolSurface) instead of this one; compile.threads then defaults to 1, for the workers and the Hessian alike (onnxruntime's sums depend on it), so the values are a one-process run's with threads 1. */
  readonly workers?: number;
  /** Most power-iteration products per Hessian eigenvalue (0: skip them; default 100). */
  readonly hessianIterations?: number;
  readonly compile?: CompileOptions;
}

export interface RunLandscape {
  readonly run: string;
  readonly method: string;
  readonly model: string;
  readonly subnet?: number;
  readonly kind: '1-d interpolation' | '1-d direction' | '2-d';
  readonly examples: number;
  readonly landscape: Landscape;
  /** onnxruntime's intra-op threads of its programs (the values depend on them); absent where the runtime chooses. */
  readonly threads?: number;
  /** Extreme eigenvalues with their residuals (an eigenvalue of H lies within the residual of each). */
  readonly hessian?: { readonly max: number; readonly maxResidual: number; readonly min: number; readonly minResidual: number; readonly ratio: number; readonly iterations: number; readonly converged: boolean };
}

/** A run directory's checkpoint, or the checkpoint file itself. */
export async function readRun(path: string): Promise<Checkpoint> {
  const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
  return loadCheckpoint(isDir ? join(path, CHECKPOINT_FILE) : path);
}

/**
 * The loss landscape of a trained run, forward-only: a 2-D surface over two
 * filter-normalised directions, a 1-D profile along one, or the line between two runs'
 * parameters (Li, Xu, Taylor, Studer, Goldstein, NeurIPS 2018; Goodfellow, Vinyals, Saxe
 * 2015 for the line), on the first `examples` training examples of the run, with the
 * curvature at the centre (second differences, and the Hessian's extreme eigenvalues by
 * power iteration on exact Hessian-vector products). Writes landscape.json, result.json
 * (for `forwardprop report`), contour.svg, heatmap.svg (2-D) and landscape.png into `out`.
 * @throws Error when the runs are of different models, or the run has no sub-net `subnet`.
 */
export async function landscapeOfRun(run: string, options: RunLandscapeOptions): Promise<RunLandscape> {
  const { out, to, dims = 2, points = to === undefined ? 51 : 41, examples = 1000, seed = 0, copiesPerCall = 16, hessianIterations = 100, compile = {} } = options;
  const checkpoint = await readRun(run);
  const config = checkpoint.config as unknown as TrainConfig;
  const data = splitHoldout((await trainingData(config)).train, config).train;
  const model = modelFromSpec(config.model, data.inputShape, outputsFor(data));
  model.layout.check(checkpoint.params, `parameters in ${run}`);
  const objective = objectiveFromSpec(config.objective ?? 'cross-entropy');
  const mask = options.subnet === undefined ? undefined : checkpointSubnet(checkpoint, options.subnet, run).mask;
  const centre = mask ? checkpoint.params.map((v, i) => v * mask[i]!) : checkpoint.params;
  let directions: readonly [Float32Array] | readonly [Float32Array, Float32Array];
  if (to !== undefined) {
    const other = await readRun(to);
    const otherModel = (other.config as unknown as TrainConfig).model;
    if (otherModel !== config.model || other.params.length !== centre.length) {
      throw new Error(`cannot interpolate between runs of different models: ${run} is ${config.model} (${centre.length} parameters), ${to} is ${otherModel} (${other.params.length})`);
    }
    const target = mask ? other.params.map((v, i) => v * mask[i]!) : other.params;
    directions = [target.map((v, i) => v - centre[i]!)];
  } else {
    const direction = (k: number) => filterNormalizedDirection(model.layout, centre, deriveSeed(seed, k), mask);
    directions = dims === 1 ? [direction(0)] : [direction(0), direction(1)];
  }
  const range = options.range ?? (to !== undefined ? [-0.5, 1.5] : [-1, 1]);
  const n = Math.min(examples, data.size);
  const batch: Batch = batches(data, { batchSize: n, shuffle: false }).next().value!;
  const threads = threadsFor(options.workers === undefined ? compile : { threads: compile.threads ?? 1 });
  const programs = { ...compile, ...(threads !== undefined && { threads }) };
  const evaluator = options.workers === undefined ? new SurfaceEvaluator(model, objective, programs) : new WorkerPoolSurface(model, objective, { workers: options.workers, threads: threads ?? 1 });
  const hvp = new HessianVectorProduct(model, objective, programs);
  try {
    const landscape = await computeLandscape(evaluator, batch, { centre, directions, range, points, copiesPerCall });
    const extremes = hessianIterations > 0 ? await hessianExtremes(hvp, centre, batch, { iterations: hessianIterations, seed, ...(mask && { mask }) }) : undefined;
    const result: RunLandscape = {
      run,
      method: config.method,
      model: config.model,
      ...(options.subnet !== undefined && { subnet: options.subnet }),
      kind: to !== undefined ? '1-d interpolation' : directions.length === 1 ? '1-d direction' : '2-d',
      examples: n,
      landscape,
      ...(threads !== undefined && { threads }),
      ...(extremes && {
        hessian: {
          max: extremes.max.value,
          maxResidual: extremes.max.residual,
          min: extremes.min.value,
          minResidual: extremes.min.residual,
          ratio: Math.abs(extremes.min.value / extremes.max.value),
          iterations: extremes.max.iterations + extremes.min.iterations,
          converged: extremes.max.converged && extremes.min.converged,
        },
      }),
    };
    await writeLandscape(out, result, { range: `${range[0]}, ${range[1]}`, seed, to: to ?? null });
    return result;
  } finally {
    await Promise.all([evaluator.dispose(), hvp.dispose()]);
  }
}

/** The landscape's title: what, of which run. */
export function landscapeTitle(r: RunLandscape): string {
  return `${r.kind} loss landscape of ${r.method} ${r.model}${r.subnet === undefined ? '' : `, sub-net ${r.subnet}`} on ${r.examples} examples`;
}

/** The result chart of a landscape: a heat map with isolines (2-D) or a line (1-D). */
export function landscapeChart(r: RunLandscape, contours = 12): HeatmapChart | LineChart {
  const { landscape: l } = r;
  if (l.ys.length === 1) {
    return { type: 'line', title: landscapeTitle(r), x: { title: r.kind === '1-d interpolation' ? 'α (0: this run, 1: the other)' : 'α (filter-normalised direction)' }, y: { title: 'loss' }, series: [{ name: r.method, points: l.xs.map((x, i) => [x, finite(l.values[0]![i]!)] as const) }] };
  }
  return { type: 'heatmap', title: landscapeTitle(r), x: { title: 'α (direction 1)' }, y: { title: 'β (direction 2)' }, z: { title: 'loss', scale: 'log' }, xs: l.xs, ys: l.ys, values: l.values.map((row) => row.map(finite)), contours };
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The rows of the curvature table: one per landscape. */
export function curvatureRow(r: RunLandscape): (string | number | null)[] {
  const c = r.landscape.curvature;
  const h = r.hessian;
  return [r.method + (r.subnet === undefined ? '' : ` sub-net ${r.subnet}`), r.landscape.centre, c?.xx ?? null, c?.yy ?? null, h?.max ?? null, h?.maxResidual ?? null, h?.min ?? null, h?.minResidual ?? null];
}

export const CURVATURE_COLUMNS = ['run', 'loss at the centre', '∂²L/∂α² (second difference)', '∂²L/∂β²', 'λ_max (Hessian)', 'λ_max residual', 'λ_min', 'λ_min residual'];

async function writeLandscape(out: string, r: RunLandscape, settings: Readonly<Record<string, string | number | null>>): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFileAtomic(join(out, LANDSCAPE_JSON), `${JSON.stringify({ ...r, settings }, null, 2)}\n`);
  const chart = landscapeChart(r);
  const result: ExperimentResult = {
    kind: 'landscape',
    title: landscapeTitle(r),
    conditions: { run: r.run, method: r.method, model: r.model, kind: r.kind, examples: r.examples, points: r.landscape.xs.length, subnet: r.subnet ?? null, threads: r.threads ?? null, seconds: r.landscape.seconds, ...settings },
    tables: [{ title: 'Curvature at the centre', columns: CURVATURE_COLUMNS, rows: [curvatureRow(r)] }],
    charts: [chart],
  };
  await writeExperimentResult(out, result);
  const contour = await chartSvg(chartSpec(chart).spec);
  await writeFileAtomic(join(out, CONTOUR_SVG), contour);
  if (chart.type === 'heatmap') await writeFileAtomic(join(out, HEATMAP_SVG), await chartSvg(chartSpec({ ...chart, contours: 0 }).spec));
  await writeFileAtomic(join(out, LANDSCAPE_PNG), svgToPng(contour));
}

export interface LandscapeExperimentOptions {
  readonly out: string;
  readonly dataset?: string;
  readonly model?: string;
  /** Methods whose minima are compared, each trained `epochs[i]` epochs. */
  readonly methods?: readonly TrainConfig['method'][];
  readonly epochs?: readonly number[];
  /** AST sub-nets trained by backprop whose landscapes are added ('' skips them). */
  readonly subnets?: string;
  readonly astEpochs?: number;
  readonly points?: number;
  readonly examples?: number;
  readonly hessianIterations?: number;
  readonly seed?: number;
}

/**
 * Minima reached by backprop, forward gradients (fg-a) and SPSA, and by AST sub-nets,
 * compared by their loss landscapes (Li et al. 2018's filter-normalised 2-D planes, as
 * Lee et al. 2024 compare their ViTs) and their curvature at the centre. Each run is a
 * `train` run directory under `out`, each landscape a directory inside it; writes
 * landscape-experiment.md and result.json (every table and heat map) into `out`.
 */
export async function runLandscapeExperiment(options: LandscapeExperimentOptions, log: (line: string) => void = () => {}): Promise<{ readonly landscapes: RunLandscape[]; readonly markdown: string }> {
  const {
    out,
    dataset = 'fashion-mnist',
    model = 'mlp:784-256-256-10',
    methods = ['bp', 'fg-a', 'spsa'],
    epochs = [3, 3, 1],
    subnets = '0.1,0.05,0.02',
    astEpochs = 3,
    points = 51,
    examples = 1000,
    hessianIterations = 100,
    seed = 0,
  } = options;
  if (epochs.length !== methods.length) throw new RangeError(`epochs needs one value per method (${methods.length}), got ${epochs.length}`);
  const landscapes: RunLandscape[] = [];
  const accuracy = new Map<RunLandscape, number>();
  const common = { points, examples, hessianIterations, seed } as const;
  for (const [i, method] of methods.entries()) {
    const dir = join(out, method);
    const summary = await train({ ...DEFAULT_CONFIG, dataset, model, method, lr: descriptor(method).defaultLearningRate, epochs: epochs[i]!, seed }, { out: dir });
    const l = await landscapeOfRun(dir, { ...common, out: join(dir, 'landscape') });
    landscapes.push(l);
    accuracy.set(l, summary.test_acc);
    log(`${method}: test accuracy ${(100 * summary.test_acc).toFixed(2)}%, landscape in ${l.landscape.seconds.toFixed(0)} s, centre ${l.landscape.centre.toFixed(4)}, λ_max ${l.hessian?.max.toFixed(3)}`);
  }
  if (subnets !== '') {
    const dir = join(out, 'bp-ast');
    const summary = await train({ ...DEFAULT_CONFIG, dataset, model, method: 'bp', lr: descriptor('bp').defaultLearningRate, epochs: astEpochs, seed, subnets }, { out: dir });
    for (const [k, sub] of summary.subnets!.entries()) {
      const l = await landscapeOfRun(dir, { ...common, subnet: k, out: join(dir, `landscape-${k}`) });
      landscapes.push(l);
      accuracy.set(l, sub.test_acc);
      log(`bp AST sub-net ${k} (${sub.pattern}): test accuracy ${(100 * sub.test_acc).toFixed(2)}%, centre ${l.landscape.centre.toFixed(4)}, λ_max ${l.hessian?.max.toFixed(3)}`);
    }
  }
  const settings = { dataset, model, methods: methods.join(','), epochs: epochs.join(','), subnets, astEpochs, points, examples, hessianIterations, seed };
  const rows = landscapes.map((l) => [...curvatureRow(l), accuracy.get(l)!, flatness(l)]);
  const columns = [...CURVATURE_COLUMNS, 'test accuracy', 'share of the plane within 0.1 of the centre loss'];
  const markdown = [
    `# Loss landscapes of minima reached by ${methods.join(', ')}${subnets ? ' and AST sub-nets' : ''}: ${dataset}, ${model}`,
    '',
    `${points} × ${points} filter-normalised planes on [−1, 1]², the first ${examples} training examples, mean cross-entropy; Hessian eigenvalues by power iteration (at most ${hessianIterations} products each, stopped at a residual ‖Hv − λv‖ ≤ 10⁻³|λ − shift|; H has an eigenvalue within the residual of each value); seed ${seed}.`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((v) => (typeof v === 'number' ? v.toPrecision(4) : (v ?? '–'))).join(' | ')} |`),
    '',
  ].join('\n');
  await mkdir(out, { recursive: true });
  await writeExperimentResult(out, {
    kind: 'landscape-comparison',
    title: `Loss landscapes of the minima of ${methods.join(', ')}${subnets ? ' and AST sub-nets' : ''}`,
    conditions: settings,
    tables: [{ title: 'Curvature and flatness at each minimum', columns, rows }],
    charts: landscapes.map((l) => landscapeChart(l)),
  });
  await writeFileAtomic(join(out, 'landscape-experiment.md'), markdown);
  return { landscapes, markdown };
}

/** Share of the grid whose loss is within 0.1 of the centre's: the width of the basin. */
function flatness(r: RunLandscape): number {
  const values = r.landscape.values.flat();
  return values.filter((v) => v <= r.landscape.centre + 0.1).length / values.length;
}
