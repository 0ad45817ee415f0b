import type { LineChart, Series } from './result.js';
import type { RunRecord } from './run-record.js';

/** The x axes every training curve is drawn against: a StepRecord field and the EpochMetrics field that matches it. */
const AXES = [
  { step: 'step', epoch: 'step', name: 'steps', title: 'steps' },
  { step: 'queries', epoch: 'queries', name: 'queries', title: 'queries (forward evaluations × examples)' },
  { step: 'seconds', epoch: 'wall_s', name: 'seconds', title: 'training seconds' },
] as const;

/** A run and the name its curves carry in the legend. */
export interface LabelledRun {
  readonly label: string;
  readonly run: RunRecord;
}

/**
 * Loss and accuracy against steps, queries and training seconds, every run overlaid
 * (colour: the run; dash: the curve). The training loss is per step where the run wrote
 * steps.jsonl, else the per-epoch mean; test loss and both accuracies come from each
 * epoch's evaluation. Charts with nothing to draw are left out.
 */
export function runCharts(runs: readonly LabelledRun[]): LineChart[] {
  const charts: LineChart[] = [];
  for (const axis of AXES) {
    const loss = runs.flatMap(({ label, run }): Series[] => [
      run.steps.length > 0
        ? { name: label, variant: 'train (per step)', points: run.steps.map((s) => [s[axis.step], finite(s.loss)]) }
        : { name: label, variant: 'train (epoch mean)', points: run.metrics.map((m) => [m[axis.epoch], finite(m.loss)]) },
      { name: label, variant: 'test', points: run.metrics.map((m) => [m[axis.epoch], finite(m.test_loss)]) },
    ]);
    const accuracy = runs.flatMap(({ label, run }): Series[] => [
      { name: label, variant: 'train', points: run.metrics.map((m) => [m[axis.epoch], finite(m.train_acc)]) },
      { name: label, variant: 'test', points: run.metrics.map((m) => [m[axis.epoch], finite(m.test_acc)]) },
    ]);
    charts.push(
      { type: 'line', title: `loss against ${axis.name}`, x: { title: axis.title }, y: { title: 'cross-entropy loss' }, series: drawable(loss) },
      { type: 'line', title: `accuracy against ${axis.name}`, x: { title: axis.title }, y: { title: 'accuracy' }, series: drawable(accuracy) },
    );
  }
  return charts.filter((c) => c.series.length > 0);
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function drawable(series: readonly Series[]): Series[] {
  return series.filter((s) => s.points.some(([, y]) => y !== null));
}
