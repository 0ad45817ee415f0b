import { contours } from 'd3-contour';
import type { TopLevelSpec } from 'vega-lite';
import type { UnitSpec } from 'vega-lite/types_unstable/spec/unit.js';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { Scale } from 'vega-lite/types_unstable/scale.js';
import type { Axis, HeatmapChart, ResultChart, Series } from './result.js';

/** Plot area of every generated chart, in CSS pixels. */
const WIDTH = 400;
const HEIGHT = 240;
/** Longer series are drawn as plain lines; shorter ones mark each point (a one-epoch run is still visible). */
const MAX_MARKED_POINTS = 40;
type LayerSpec = UnitSpec<Field>;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface ChartSpec {
  readonly spec: TopLevelSpec;
  /** Values the chart could not draw (non-positive values on a log scale), for the page and the console. */
  readonly warnings: readonly string[];
}

/**
 * The Vega-Lite specification of one result chart, its data inline: lines and scatter
 * plots coloured by series (dashed or shaped by variant), heat maps with isolines from
 * marching squares (d3-contour) for 2-D grids such as loss landscapes.
 */
export function chartSpec(chart: ResultChart): ChartSpec {
  switch (chart.type) {
    case 'line':
    case 'scatter':
      return xySpec(chart.type, chart.title, chart.x, chart.y, chart.series);
    case 'heatmap':
      return heatmapSpec(chart);
    case 'vega-lite':
      return { spec: { $schema: SCHEMA, title: chart.title, ...chart.spec } as TopLevelSpec, warnings: [] };
  }
}

function xySpec(type: 'line' | 'scatter', title: string, x: Axis, y: Axis, series: readonly Series[]): ChartSpec {
  let dropped = 0;
  const positive = (v: number | null, axis: Axis): number | null => {
    if (v === null || !Number.isFinite(v)) return null;
    if (axis.scale === 'log' && v <= 0) {
      dropped++;
      return null;
    }
    return v;
  };
  const rows = series.flatMap((s) =>
    s.points.flatMap(([px, py], order) => {
      const vx = positive(px, x);
      // A null y stays in the data so that the line breaks there.
      return vx === null ? [] : [{ series: s.name, variant: s.variant ?? '', x: vx, y: positive(py, y), order }];
    }),
  );
  const variants = series.some((s) => s.variant !== undefined);
  const marked = series.every((s) => s.points.length <= MAX_MARKED_POINTS);
  // Lines show the dash pattern in the legend, not the point marker.
  const variant = { field: 'variant', type: 'nominal', title: null, sort: null, ...(type === 'line' && { legend: { symbolType: 'stroke', symbolStrokeWidth: 1.5, encode: { symbols: { update: { stroke: { value: '#444' } } } } } }) } as const;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: type === 'line' ? { type: 'line', point: marked, strokeWidth: 1.5 } : { type: 'point', filled: true, size: 40 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x.title, scale: scale(x) },
      y: { field: 'y', type: 'quantitative', title: y.title, scale: scale(y) },
      color: { field: 'series', type: 'nominal', title: null, sort: null },
      ...(variants && (type === 'line' ? { strokeDash: variant } : { shape: variant })),
      ...(type === 'line' && { order: { field: 'order', type: 'quantitative' } }),
      tooltip: [
        { field: 'series', title: 'series' },
        ...(variants ? [{ field: 'variant', title: 'variant' }] : []),
        { field: 'x', type: 'quantitative', title: x.title },
        { field: 'y', type: 'quantitative', title: y.title },
      ],
    },
  };
  const warnings = dropped > 0 ? [`${title}: ${dropped} non-positive value${dropped === 1 ? '' : 's'} left out of the log scale`] : [];
  return { spec, warnings };
}

/** Log scales as asked; linear ones fit the data instead of starting at zero. */
function scale(axis: Axis): Scale {
  return axis.scale === 'log' ? { type: 'log' } : { zero: false };
}

function heatmapSpec(chart: HeatmapChart): ChartSpec {
  const { xs, ys, values, x, y, z } = chart;
  const ex = cellEdges(xs, x);
  const ey = cellEdges(ys, y);
  const zLog = z.scale === 'log';
  let dropped = 0;
  const cells = values.flatMap((row, j) =>
    row.flatMap((v, i) => {
      if (v === null || !Number.isFinite(v)) return [];
      if (zLog && v <= 0) {
        dropped++;
        return [];
      }
      return [{ x0: ex[i], x1: ex[i + 1], y0: ey[j], y1: ey[j + 1], x: xs[i], y: ys[j], z: v }];
    }),
  );
  // The grid fills the plot: the domain ends at the outer cell edges.
  const xScale: Scale = { type: x.scale ?? 'linear', domain: [ex[0]!, ex[xs.length]!], nice: false, zero: false };
  const yScale: Scale = { type: y.scale ?? 'linear', domain: [ey[0]!, ey[ys.length]!], nice: false, zero: false };
  const rects: LayerSpec = {
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'x0', type: 'quantitative', title: x.title, scale: xScale },
      x2: { field: 'x1' },
      y: { field: 'y0', type: 'quantitative', title: y.title, scale: yScale },
      y2: { field: 'y1' },
      color: { field: 'z', type: 'quantitative', title: z.title, scale: { type: z.scale ?? 'linear', scheme: 'viridis' } },
      tooltip: [
        { field: 'x', type: 'quantitative', title: x.title },
        { field: 'y', type: 'quantitative', title: y.title },
        { field: 'z', type: 'quantitative', title: z.title },
      ],
    },
  };
  const lines: LayerSpec = {
    data: { values: chart.contours ? isolines(chart) : [] },
    mark: { type: 'line', color: 'white', strokeWidth: 1, opacity: 0.85 },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: xScale },
      y: { field: 'y', type: 'quantitative', scale: yScale },
      detail: { field: 'line', type: 'nominal' },
      order: { field: 'order', type: 'quantitative' },
    },
  };
  const spec: TopLevelSpec = { $schema: SCHEMA, title: chart.title, width: WIDTH, height: HEIGHT, layer: chart.contours ? [rects, lines] : [rects] };
  const warnings = dropped > 0 ? [`${chart.title}: ${dropped} non-positive value${dropped === 1 ? '' : 's'} left out of the log colour scale`] : [];
  return { spec, warnings };
}

/** Scale transform of an axis: cell edges and isoline positions are interpolated in it. */
function transform(axis: Axis): { to: (v: number) => number; from: (t: number) => number } {
  return axis.scale === 'log' ? { to: Math.log10, from: (t) => 10 ** t } : { to: (v) => v, from: (t) => t };
}

/** n + 1 cell boundaries around n grid coordinates: midpoints, and half a spacing beyond each end. */
function cellEdges(coords: readonly number[], axis: Axis): number[] {
  const { to, from } = transform(axis);
  const t = coords.map(to);
  const n = t.length;
  if (n === 1) return [from(t[0]! - 0.5), from(t[0]! + 0.5)];
  const inner = t.slice(1).map((v, i) => (v + t[i]!) / 2);
  return [t[0]! - (t[1]! - t[0]!) / 2, ...inner, t[n - 1]! + (t[n - 1]! - t[n - 2]!) / 2].map(from);
}

/**
 * Isolines of the field as line rows (one `line` id per polyline, points in `order`).
 * d3-contour returns closed rings in grid units (value i at i + 0.5) that run along
 * the grid's border where a region touches it; ring points on the border are dropped,
 * splitting the ring, so that only the level curves between samples are drawn.
 */
function isolines(chart: HeatmapChart): { line: number; order: number; x: number; y: number }[] {
  const nx = chart.xs.length;
  const ny = chart.ys.length;
  const zLog = chart.z.scale === 'log';
  const field = chart.values.flatMap((row) => row.map((v) => (v === null || (zLog && v <= 0) ? Number.NaN : zLog ? Math.log10(v) : v)));
  const at = (coords: readonly number[], axis: Axis, g: number): number => {
    const { to, from } = transform(axis);
    const f = Math.min(Math.max(g - 0.5, 0), coords.length - 1);
    const i = Math.min(Math.floor(f), coords.length - 2);
    if (i < 0) return coords[0]!;
    return from(to(coords[i]!) + (f - i) * (to(coords[i + 1]!) - to(coords[i]!)));
  };
  const rows: { line: number; order: number; x: number; y: number }[] = [];
  let line = 0;
  let polyline: { x: number; y: number }[] = [];
  const flush = () => {
    if (polyline.length >= 2) {
      line++;
      polyline.forEach((p, order) => rows.push({ line, order, ...p }));
    }
    polyline = [];
  };
  for (const level of contours().size([nx, ny]).thresholds(chart.contours!)(field)) {
    for (const ring of level.coordinates.flat()) {
      for (const [gx, gy] of ring) {
        if (gx === 0 || gx === nx || gy === 0 || gy === ny) flush();
        else polyline.push({ x: at(chart.xs, chart.x, gx!), y: at(chart.ys, chart.y, gy!) });
      }
      flush();
    }
  }
  return rows;
}
