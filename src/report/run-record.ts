import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statIfExists } from '../io/stat-if-exists.js';
import { type CheckpointHeader, readCheckpointHeader } from '../train/checkpoint.js';
import { CHECKPOINT_FILE, type EpochMetrics, METRICS_FILE, STEPS_FILE, SUMMARY_FILE, type Summary } from '../train/trainer.js';
import { readJsonLinesLeniently } from '../io/json-lines.js';

/** The files that make a directory a run directory (any one of them suffices). */
export const RUN_FILES = [CHECKPOINT_FILE, METRICS_FILE, STEPS_FILE, SUMMARY_FILE] as const;

/** One line of steps.jsonl: the minibatch loss at `step`; cumulative queries and training seconds. */
export interface StepRecord {
  readonly step: number;
  readonly queries: number;
  readonly seconds: number;
  /** NaN where the file holds null (a non-finite loss). */
  readonly loss: number;
  readonly lr?: number;
}

/** Everything the report knows about one run directory. */
export interface RunRecord {
  readonly dir: string;
  /** Per-epoch metrics (metrics.jsonl); numeric fields that were null are NaN. */
  readonly metrics: readonly EpochMetrics[];
  readonly steps: readonly StepRecord[];
  readonly summary?: Summary;
  readonly checkpoint?: CheckpointHeader;
  /** What is missing, unreadable or was dropped, one sentence each, for the page. */
  readonly problems: readonly string[];
}

/** True when `dir` is a directory holding at least one of RUN_FILES. */
export async function isRunDirectory(dir: string): Promise<boolean> {
  return (await statIfExists(dir))?.isDirectory() === true && (await holdsAny(dir, RUN_FILES));
}

/** Whether `dir` holds any of `files`. */
export async function holdsAny(dir: string, files: readonly string[]): Promise<boolean> {
  for (const file of files) if (await statIfExists(join(dir, file))) return true;
  return false;
}

/**
 * Reads a run directory as far as it is readable: missing or broken files become
 * `problems` (a run without metrics, a torn last metrics line, a corrupt checkpoint),
 * not errors, so that a crashed run still gets a labelled partial report.
 */
export async function readRun(dir: string): Promise<RunRecord> {
  const problems: string[] = [];
  const metricsLines = await optionalLines(join(dir, METRICS_FILE), problems, `no ${METRICS_FILE}: no epoch has finished, so there are no per-epoch curves`);
  const metrics = metricsLines.flatMap((r, i) => {
    const m = epochMetrics(r);
    if (!m) problems.push(`${join(dir, METRICS_FILE)}: dropped record ${i + 1}: no numeric step, queries and wall_s`);
    return m ? [m] : [];
  });
  const stepLines = await optionalLines(join(dir, STEPS_FILE), problems);
  const steps = stepLines.flatMap((r, i) => {
    const s = stepRecord(r);
    if (!s) problems.push(`${join(dir, STEPS_FILE)}: dropped record ${i + 1}: no numeric step, queries and seconds`);
    return s ? [s] : [];
  });

  let summary: Summary | undefined;
  const summaryPath = join(dir, SUMMARY_FILE);
  if (await statIfExists(summaryPath)) {
    try {
      const value: unknown = JSON.parse(await readFile(summaryPath, 'utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
      summary = value as Summary;
    } catch (e) {
      problems.push(`${summaryPath} is unreadable (${(e as Error).message})`);
    }
  } else {
    problems.push(`no ${SUMMARY_FILE}: the run has not finished, or was interrupted`);
  }

  let checkpoint: CheckpointHeader | undefined;
  const checkpointPath = join(dir, CHECKPOINT_FILE);
  if (await statIfExists(checkpointPath)) {
    try {
      checkpoint = await readCheckpointHeader(checkpointPath);
      if (checkpoint.bytes !== checkpoint.expectedBytes) {
        problems.push(`${checkpointPath} is truncated or padded (${checkpoint.bytes} bytes, its header implies ${checkpoint.expectedBytes}): its parameters cannot be resumed`);
      }
    } catch (e) {
      problems.push(`${(e as Error).message}: the run's configuration is unknown`);
    }
  } else {
    problems.push(`no ${CHECKPOINT_FILE}: the run's configuration is unknown`);
  }
  return { dir, metrics, steps, ...(summary && { summary }), ...(checkpoint && { checkpoint }), problems };
}

/** The file's records, or none when it is absent (noting `missing` if given); dropped lines become problems. */
async function optionalLines(path: string, problems: string[], missing?: string): Promise<readonly Record<string, unknown>[]> {
  if (!(await statIfExists(path))) {
    if (missing) problems.push(missing);
    return [];
  }
  const { records, dropped } = await readJsonLinesLeniently(path);
  problems.push(...dropped);
  return records.filter((r, i): r is Record<string, unknown> => {
    const object = typeof r === 'object' && r !== null && !Array.isArray(r);
    if (!object) problems.push(`${path}: dropped record ${i + 1}: not a JSON object`);
    return object;
  });
}

const number = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);

function epochMetrics(r: Record<string, unknown>): EpochMetrics | undefined {
  if (![r.step, r.queries, r.wall_s].every(Number.isFinite)) return undefined;
  return {
    epoch: number(r.epoch),
    step: number(r.step),
    loss: number(r.loss),
    train_loss: number(r.train_loss),
    train_acc: number(r.train_acc),
    test_loss: number(r.test_loss),
    test_acc: number(r.test_acc),
    queries: number(r.queries),
    wall_s: number(r.wall_s),
    examples_per_s: number(r.examples_per_s),
    lr: number(r.lr),
  };
}

function stepRecord(r: Record<string, unknown>): StepRecord | undefined {
  if (![r.step, r.queries, r.seconds].every(Number.isFinite)) return undefined;
  return { step: number(r.step), queries: number(r.queries), seconds: number(r.seconds), loss: number(r.loss), ...(typeof r.lr === 'number' && { lr: r.lr }) };
}
