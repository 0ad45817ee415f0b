import { join } from 'node:path';
import { type FederatedAlgorithmName, type FederatedConfig, resolveFederatedConfig } from '../federated/algorithms.js';
import { type FederatedRecord, runFederated } from '../federated/run.js';
import { InProcessTransport } from '../federated/transport.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { chartSpec } from '../report/chart-spec.js';
import { type ExperimentResult, type LineChart, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import type { FederatedProblem } from './federated-problems.js';

/** What the federated studies share: running each algorithm on a problem and writing the results in the report contract. */

/** The options every federated study takes (each picks its own defaults). */
export interface FederatedStudyOptions {
  readonly out: string;
  readonly localSteps?: number;
  readonly rounds?: number;
  readonly algorithms?: readonly FederatedAlgorithmName[];
  /** FZooS's random features M. */
  readonly features?: number;
  /** FZooS's local GP: likelihood restarts, refit period (query steps) and the nearest queries it is fitted on. */
  readonly restarts?: number;
  readonly refitEvery?: number;
  readonly neighbours?: number;
  readonly seed?: number;
}

/** The local estimator's options a study sets: FZooS's GP settings, nothing for the RGF algorithms. */
export function localOptions(algorithm: FederatedAlgorithmName, gp: { readonly restarts: number; readonly refitEvery: number; readonly neighbours: number }): Record<string, number> {
  return algorithm === 'fzoos' ? { ...gp } : {};
}

export interface AlgorithmRun {
  readonly algorithm: FederatedAlgorithmName;
  /** Round 0 (the start) first. */
  readonly records: readonly FederatedRecord[];
}

/** One algorithm on a fresh copy of the problem (built by `make`: clients hold state), in process. */
export async function runAlgorithm(
  algorithm: FederatedAlgorithmName,
  config: Partial<FederatedConfig> & Pick<FederatedConfig, 'rounds' | 'localSteps' | 'seed'>,
  make: () => Promise<FederatedProblem> | FederatedProblem,
  onRound?: (record: FederatedRecord) => void,
): Promise<AlgorithmRun> {
  const problem = await make();
  const resolved = resolveFederatedConfig({ ...config, algorithm }, problem.clients.length);
  const transport = InProcessTransport.of(problem.clients, resolved, problem.start.length);
  try {
    const { records } = await runFederated(resolved, transport, problem.start, { evaluate: problem.global, ...(onRound && { onRound }) });
    return { algorithm, records };
  } finally {
    await transport.close();
    await problem.dispose();
  }
}

/** The first record at or below `target` (round 0 excluded: reaching is taking rounds), or undefined. */
export function firstReaching(records: readonly FederatedRecord[], target: number): FederatedRecord | undefined {
  return records.find((r) => r.round > 0 && r.globalLoss !== null && r.globalLoss <= target);
}

/** Lines of `value` against rounds or queries, one series per run. */
export function curves(title: string, runs: readonly AlgorithmRun[], x: 'round' | 'queries', y: { title: string; scale?: 'linear' | 'log'; value: (r: FederatedRecord) => number | null }): LineChart {
  return {
    type: 'line',
    title,
    x: { title: x === 'round' ? 'round' : 'queries (all clients, server checks included)' },
    y: { title: y.title, scale: y.scale ?? 'linear' },
    series: runs.map((run) => ({ name: run.algorithm, points: run.records.map((r) => [x === 'round' ? r.round : r.queries, y.value(r)] as const) })),
  };
}

/**
 * Writes a study's outputs into `out`: result.json (the report contract), `<name>.md`,
 * `<name>.json` (the raw records) and `<name>-<k>.svg`, one per chart.
 */
export async function writeStudy(out: string, name: string, result: ExperimentResult, markdown: string, raw: unknown): Promise<void> {
  await writeExperimentResult(out, result);
  await writeFileAtomic(join(out, `${name}.md`), markdown);
  await writeFileAtomic(join(out, `${name}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  for (const [k, chart] of result.charts.entries()) await writeFileAtomic(join(out, `${name}-${k + 1}.svg`), await chartSvg(chartSpec(chart).spec));
}

/** A markdown table. */
export function markdownTable(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (c: string | number | null) => (c === null ? '–' : typeof c === 'number' ? formatNumber(c) : c);
  return [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
}
