import { basename, join, resolve } from 'node:path';
import { statIfExists } from '../io/stat-if-exists.js';
import { type ChartSpec, chartSpec } from './chart-spec.js';
import { type ExperimentResult, RESULT_FILE, type ResultChart, readExperimentResult } from './result.js';
import { type LabelledRun, runCharts } from './run-charts.js';
import { RUN_FILES, type RunRecord, holdsAny, isRunDirectory, readRun } from './run-record.js';
import { CHECKPOINT_FILE, METRICS_FILE } from '../train/trainer.js';

/** One chart of the report: a stable id (the HTML element, the exported file's name) and its specification. */
export interface ReportChart extends ChartSpec {
  readonly id: string;
  readonly title: string;
}

/** An experiment directory: its result and charts, or why it could not be read. */
export interface ExperimentEntry {
  readonly dir: string;
  readonly result?: ExperimentResult;
  readonly error?: string;
  readonly charts: readonly ReportChart[];
}

export interface Report {
  readonly runs: readonly LabelledRun[];
  /** The overlaid training curves. */
  readonly runCharts: readonly ReportChart[];
  readonly experiments: readonly ExperimentEntry[];
  /** Every chart, in page order: the run charts, then each experiment's. */
  readonly charts: readonly ReportChart[];
  /** Everything the reader should know before trusting the charts: mismatched data, dropped lines, missing files, undrawn values. */
  readonly warnings: readonly string[];
}

/**
 * Reads run directories (checkpoint.fpck, metrics.jsonl, steps.jsonl, summary.json) and
 * experiment directories (result.json) and lays out the report: overlaid training
 * curves, per-run details, each experiment's tables and charts. Unreadable parts become
 * labelled warnings. Throws Error naming the path when a directory is neither a run nor
 * an experiment, and RangeError when `dirs` is empty.
 */
export async function buildReport(dirs: readonly string[]): Promise<Report> {
  if (dirs.length === 0) throw new RangeError('buildReport needs at least one run or experiment directory');
  const unique = [...new Map(dirs.map((d) => [resolve(d), d])).values()];
  const runs: { dir: string; run: RunRecord }[] = [];
  const experiments: Omit<ExperimentEntry, 'charts'>[] = [];
  for (const dir of unique) {
    const isExperiment = (await statIfExists(join(dir, RESULT_FILE)))?.isFile() ?? false;
    // A study's directory may hold a summary.json of its own (forwardprop federated): with a result.json it is a training run only if it has a checkpoint or metrics.
    const isRun = (await isRunDirectory(dir)) && (!isExperiment || (await holdsAny(dir, [CHECKPOINT_FILE, METRICS_FILE])));
    if (!isExperiment && !isRun) {
      const why = (await statIfExists(dir))?.isDirectory() ? `it holds none of ${RUN_FILES.join(', ')} (a run) nor ${RESULT_FILE} (an experiment)` : 'no such directory';
      throw new Error(`${dir} is not a run directory: ${why}`);
    }
    if (isExperiment) {
      try {
        experiments.push({ dir, result: await readExperimentResult(dir) });
      } catch (e) {
        experiments.push({ dir, error: (e as Error).message });
      }
    }
    if (isRun) runs.push({ dir, run: await readRun(dir) });
  }

  const labels = runLabels(runs.map((r) => r.dir));
  const labelled = runs.map(({ run }, i) => ({ label: labels[i]!, run }));
  const warnings = [...dataMismatch(labelled), ...labelled.flatMap(({ label, run }) => run.problems.map((p) => `${label}: ${p}`))];
  warnings.push(...experiments.flatMap((e) => (e.error ? [`experiment ${e.dir}: ${e.error}`] : [])));

  const ids = new Set<string>();
  const draw = (chart: ResultChart, prefix: string): ReportChart => {
    const spec = chartSpec(chart);
    warnings.push(...spec.warnings);
    return { ...spec, id: uniqueId(`${prefix}-${slug(chart.title)}`, ids), title: chart.title };
  };
  const curves = runCharts(labelled).map((c) => draw(c, 'runs'));
  const entries = experiments.map((e) => ({ ...e, charts: (e.result?.charts ?? []).map((c) => draw(c, slug(e.result!.kind))) }));
  return { runs: labelled, runCharts: curves, experiments: entries, charts: [...curves, ...entries.flatMap((e) => e.charts)], warnings };
}

/** Legend names: each directory's base name, or the path as given where base names collide. */
function runLabels(dirs: readonly string[]): string[] {
  const names = dirs.map((d) => basename(resolve(d)));
  return names.map((n, i) => (names.indexOf(n) === names.lastIndexOf(n) ? n : dirs[i]!));
}

/** The data a run trained and was tested on: the dataset, restricted to some classes where the config says so. */
function dataOf(run: RunRecord): string | undefined {
  const config = run.checkpoint?.config;
  const dataset = (config?.dataset ?? run.summary?.dataset) as string | undefined;
  return dataset && config?.classes ? `${dataset} (classes ${String(config.classes)})` : dataset;
}

function dataMismatch(runs: readonly LabelledRun[]): string[] {
  const byData = new Map<string, string[]>();
  for (const { label, run } of runs) {
    const data = dataOf(run);
    if (data) byData.set(data, [...(byData.get(data) ?? []), label]);
  }
  if (byData.size <= 1) return [];
  const groups = [...byData].map(([data, labels]) => `${data}: ${labels.join(', ')}`).join('; ');
  return [`runs on different data are overlaid, so their losses and accuracies are not comparable (${groups})`];
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

function uniqueId(id: string, taken: Set<string>): string {
  let unique = id;
  for (let n = 2; taken.has(unique); n++) unique = `${id}-${n}`;
  taken.add(unique);
  return unique;
}
