import { appendFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentResult } from '../../src/report/result.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { CHECKPOINT_FILE, type EpochMetrics, METRICS_FILE, SUMMARY_FILE, type Summary } from '../../src/train/trainer.js';
import { STEPS_FILE } from '../../src/train/trainer.js';

export const tempDir = (prefix = 'fp-report-') => mkdtemp(join(tmpdir(), prefix));

export interface SyntheticRun {
  readonly dataset?: string;
  readonly method?: string;
  readonly epochs?: number;
  /** Write steps.jsonl, one line every this many steps (none: no file). */
  readonly stepsEvery?: number;
  readonly checkpoint?: boolean;
  readonly summary?: boolean;
}

const STEPS_PER_EPOCH = 100;
const PARAMS = 50;

/** The metrics a run of `epochs` epochs would log: loss falling, accuracy rising, 64 queries per step. */
export function epochMetrics(epochs: number): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    return {
      epoch: e, step: e * STEPS_PER_EPOCH, loss: 1 / e, train_loss: 0.9 / e, train_acc: 1 - 0.3 / e, test_loss: 1.1 / e, test_acc: 1 - 0.35 / e,
      queries: e * STEPS_PER_EPOCH * 64, wall_s: 0.5 * e, examples_per_s: 12800, lr: 0.001,
    };
  });
}

/** A run directory as the trainer leaves it (a real checkpoint file, metrics, summary, optional steps.jsonl). */
export async function writeRun(dir: string, options: SyntheticRun = {}): Promise<string> {
  const { dataset = 'mnist', method = 'fg-a', epochs = 3, stepsEvery, checkpoint = true, summary = true } = options;
  await mkdir(dir, { recursive: true });
  const metrics = epochMetrics(epochs);
  await writeFile(join(dir, METRICS_FILE), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (stepsEvery) {
    for (let step = stepsEvery; step <= epochs * STEPS_PER_EPOCH; step += stepsEvery) {
      await appendFile(join(dir, STEPS_FILE), `${JSON.stringify({ step, queries: step * 64, seconds: step * 0.005, loss: 2 / (1 + step / 50), lr: 0.001 })}\n`);
    }
  }
  const last = metrics.at(-1)!;
  if (checkpoint) {
    await saveCheckpoint(join(dir, CHECKPOINT_FILE), {
      config: { dataset, model: 'mlp:784-16-10', method, epochs, batchSize: 64, lr: 0.001, seed: 0 },
      progress: { epoch: epochs, batch: 0, step: last.step, updates: last.step, queries: last.queries, seconds: last.wall_s },
      params: new Float32Array(PARAMS).fill(0.5),
      optimizer: { json: [{ mu: { f32: 0 } }], buffers: [new Float32Array(PARAMS)] },
    });
  }
  if (summary) {
    const s: Summary = {
      method, dataset, model: 'mlp:784-16-10', objective: 'cross-entropy', parameters: PARAMS, epochs, steps: last.step, test_acc: last.test_acc, train_acc: last.train_acc,
      test_loss: last.test_loss, train_loss: last.train_loss, queries: last.queries, wall_s: last.wall_s, eval_s: 1, seed: 0, stopped: 'epochs', peak_rss_mb: 100,
    };
    await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(s, null, 2)}\n`);
  }
  return dir;
}

/** An experiment result with one chart of each kind: a log-log line chart, a scatter plot, a heat map with isolines and a raw Vega-Lite bar chart. */
export function sampleResult(): ExperimentResult {
  const xs = [-1, -0.5, 0, 0.5, 1];
  const ys = [-1, -0.5, 0, 0.5];
  return {
    kind: 'landscape',
    title: 'A sample of every chart kind',
    conditions: { dataset: 'mnist', seed: 0, exact: true, note: null },
    tables: [{ title: 'error by method', columns: ['method', 'error', 'queries'], rows: [['fg-a', 0.0325, 160000], ['bp', 0.0266, null]] }],
    charts: [
      {
        type: 'line', title: 'variance against directions', x: { title: 'directions K', scale: 'log' }, y: { title: 'variance', scale: 'log' },
        series: [
          { name: 'fg-w', points: [[1, 100], [4, 25], [16, 6.25]] },
          { name: 'fg-a', points: [[1, 10], [4, 2.5], [16, 0.625]] },
        ],
      },
      { type: 'scatter', title: 'loss against queries', x: { title: 'queries' }, y: { title: 'loss' }, series: [{ name: 'lr', variant: 'seed 0', points: [[1, 2], [2, 1.5], [3, 1.2]] }, { name: 'spsa', variant: 'seed 1', points: [[1, 2.2], [2, 1.9]] }] },
      { type: 'heatmap', title: 'loss landscape', x: { title: 'α' }, y: { title: 'β' }, z: { title: 'loss' }, xs, ys, values: ys.map((b) => xs.map((a) => a * a + 2 * b * b)), contours: 5 },
      { type: 'vega-lite', title: 'queries per method', spec: { data: { values: [{ m: 'bp', q: 1 }, { m: 'spsa', q: 32 }] }, mark: 'bar', encoding: { x: { field: 'm', type: 'nominal' }, y: { field: 'q', type: 'quantitative' } } } },
    ],
    notes: ['Synthetic numbers for the report tests.'],
  };
}
