import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';

/**
 * The result contract between experiments and the report: an experiment writes one
 * `result.json` (an ExperimentResult) into its output directory, and
 * `forwardprop report <dir>` renders its conditions, tables and charts generically.
 * Everything is plain JSON; a missing value (NaN, a diverged loss) is `null` and is not
 * drawn. docs/report.md documents the contract for experiment authors.
 */
export const RESULT_FILE = 'result.json';

/** One table cell: text, a number (formatted by the report) or null (shown as a dash). */
export type Cell = string | number | null;

export interface ResultTable {
  readonly title: string;
  readonly columns: readonly string[];
  /** One array per row, as many cells as columns. */
  readonly rows: readonly (readonly Cell[])[];
}

export interface Axis {
  readonly title: string;
  /** 'log' draws only positive values; the report says how many it left out. Default 'linear'. */
  readonly scale?: 'linear' | 'log';
}

export interface Series {
  /** The legend entry, drawn as the colour. */
  readonly name: string;
  /** A second grouping drawn as the stroke dash (lines) or the shape (scatter), e.g. 'train' and 'test'. */
  readonly variant?: string;
  /** [x, y] in drawing order; a null y is a gap. */
  readonly points: readonly (readonly [number, number | null])[];
}

interface XYChart {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly Series[];
}

export interface LineChart extends XYChart {
  readonly type: 'line';
}

export interface ScatterChart extends XYChart {
  readonly type: 'scatter';
}

/** A scalar field on a 2-D grid (a loss landscape): colour per cell, optional isolines. */
export interface HeatmapChart {
  readonly type: 'heatmap';
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  /** The colour scale's title and scale ('log' for losses spanning decades). */
  readonly z: Axis;
  /** Grid coordinates, strictly increasing: values[j][i] is the field at (xs[i], ys[j]). */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
  /** About this many isolines at round levels (marching squares); 0 or absent draws none. */
  readonly contours?: number;
}

/** Anything else: a complete Vega-Lite specification (its data inline), drawn as given. */
export interface VegaLiteChart {
  readonly type: 'vega-lite';
  readonly title: string;
  readonly spec: Readonly<Record<string, unknown>>;
}

export type ResultChart = LineChart | ScatterChart | HeatmapChart | VegaLiteChart;

export interface ExperimentResult {
  /** The experiment's name, as in `forwardprop experiment <kind>`. */
  readonly kind: string;
  readonly title: string;
  /** What was held fixed: dataset, model, seed, budgets… shown as a table. */
  readonly conditions: Readonly<Record<string, string | number | boolean | null>>;
  readonly tables: readonly ResultTable[];
  readonly charts: readonly ResultChart[];
  /** Paragraphs of plain text shown under the title (what the numbers mean, caveats). */
  readonly notes?: readonly string[];
}

/** Writes `result` as `<dir>/result.json` (atomically), after checking it against the contract. */
export async function writeExperimentResult(dir: string, given: ExperimentResult): Promise<void> {
  const path = join(dir, RESULT_FILE);
  // Every result names the intra-op threads it was computed with, unless it names its own: onnxruntime's sums depend on them.
  const result = { ...given, conditions: { threads: threadsFor({}) ?? null, ...given.conditions } };
  parseExperimentResult(JSON.parse(JSON.stringify(result)), path);
  await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** Reads and checks `<dir>/result.json`; throws Error naming the file when it is unreadable or breaks the contract. */
export async function readExperimentResult(dir: string): Promise<ExperimentResult> {
  const path = join(dir, RESULT_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${e instanceof SyntaxError ? `not JSON (${e.message})` : (e as Error).message}`);
  }
  return parseExperimentResult(value, path);
}

/**
 * Checks that `value` (parsed JSON) is an ExperimentResult and returns it typed.
 * Throws TypeError naming `source` and the offending field (`charts[1].xs[3]`).
 */
export function parseExperimentResult(value: unknown, source: string): ExperimentResult {
  const fail = (field: string, what: string): never => {
    throw new TypeError(`${source}: ${field} must be ${what}`);
  };
  const object = (v: unknown, field: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, 'an object'));
  const array = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : fail(field, 'an array'));
  const string = (v: unknown, field: string): string => (typeof v === 'string' ? v : fail(field, 'a string'));
  const number = (v: unknown, field: string): number => (typeof v === 'number' ? v : fail(field, 'a number'));
  const orNull = (v: unknown, field: string): number | null => (v === null ? null : number(v, field));
  const axis = (v: unknown, field: string): void => {
    const a = object(v, field);
    string(a.title, `${field}.title`);
    if (a.scale !== undefined && a.scale !== 'linear' && a.scale !== 'log') fail(`${field}.scale`, "'linear' or 'log'");
  };
  const increasing = (v: unknown, field: string): number => {
    const xs = array(v, field).map((x, i) => number(x, `${field}[${i}]`));
    if (xs.length === 0 || xs.some((x, i) => i > 0 && !(x > xs[i - 1]!))) fail(field, 'a non-empty, strictly increasing array of numbers');
    return xs.length;
  };

  const r = object(value, 'the result');
  string(r.kind, 'kind');
  string(r.title, 'title');
  for (const [key, v] of Object.entries(object(r.conditions, 'conditions'))) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) fail(`conditions.${key}`, 'a string, number, boolean or null');
  }
  array(r.tables, 'tables').forEach((t, i) => {
    const table = object(t, `tables[${i}]`);
    string(table.title, `tables[${i}].title`);
    const columns = array(table.columns, `tables[${i}].columns`).map((c, j) => string(c, `tables[${i}].columns[${j}]`));
    array(table.rows, `tables[${i}].rows`).forEach((row, j) => {
      const cells = array(row, `tables[${i}].rows[${j}]`);
      if (cells.length !== columns.length) fail(`tables[${i}].rows[${j}]`, `one cell per column (${columns.length}), not ${cells.length}`);
      cells.forEach((c, k) => c !== null && typeof c !== 'string' && typeof c !== 'number' && fail(`tables[${i}].rows[${j}][${k}]`, 'a string, number or null'));
    });
  });
  array(r.charts, 'charts').forEach((c, i) => {
    const field = `charts[${i}]`;
    const chart = object(c, field);
    string(chart.title, `${field}.title`);
    switch (chart.type) {
      case 'line':
      case 'scatter':
        axis(chart.x, `${field}.x`);
        axis(chart.y, `${field}.y`);
        array(chart.series, `${field}.series`).forEach((s, j) => {
          const series = object(s, `${field}.series[${j}]`);
          string(series.name, `${field}.series[${j}].name`);
          if (series.variant !== undefined) string(series.variant, `${field}.series[${j}].variant`);
          array(series.points, `${field}.series[${j}].points`).forEach((p, k) => {
            const at = `${field}.series[${j}].points[${k}]`;
            const point = array(p, at);
            if (point.length !== 2) fail(at, '[x, y]');
            number(point[0], `${at}[0]`);
            orNull(point[1], `${at}[1]`);
          });
        });
        break;
      case 'heatmap': {
        axis(chart.x, `${field}.x`);
        axis(chart.y, `${field}.y`);
        axis(chart.z, `${field}.z`);
        const width = increasing(chart.xs, `${field}.xs`);
        const height = increasing(chart.ys, `${field}.ys`);
        const rows = array(chart.values, `${field}.values`);
        if (rows.length !== height) fail(`${field}.values`, `one row per y (${height}), not ${rows.length}`);
        rows.forEach((row, j) => {
          const cells = array(row, `${field}.values[${j}]`);
          if (cells.length !== width) fail(`${field}.values[${j}]`, `one value per x (${width}), not ${cells.length}`);
          cells.forEach((v, k) => orNull(v, `${field}.values[${j}][${k}]`));
        });
        if (chart.contours !== undefined && !(Number.isInteger(chart.contours) && (chart.contours as number) >= 0)) fail(`${field}.contours`, 'a non-negative integer');
        break;
      }
      case 'vega-lite':
        object(chart.spec, `${field}.spec`);
        break;
      default:
        fail(`${field}.type`, "'line', 'scatter', 'heatmap' or 'vega-lite'");
    }
  });
  if (r.notes !== undefined) array(r.notes, 'notes').forEach((n, i) => string(n, `notes[${i}]`));
  return value as ExperimentResult;
}
