import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartSpec } from '../../src/report/chart-spec.js';
import type { HeatmapChart, LineChart } from '../../src/report/result.js';
import { chartSvg, svgToPng } from '../../src/report/static-chart.js';
import { sampleResult } from './fixtures.js';

/** The number of mark groups of a kind in a Vega SVG (one per series for lines), and the marks (paths) inside them. */
function marks(svg: string, kind: 'line' | 'symbol' | 'rect'): { groups: number; paths: number } {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))];
  return { groups: groups.length, paths: groups.reduce((n, g) => n + (g[1]!.match(/<path /g) ?? []).length, 0) };
}

const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(24 - 4)];
};

test('a line chart exports as a standalone SVG with one line per series and a legend entry per name', async () => {
  const chart: LineChart = {
    type: 'line', title: 'test accuracy against queries', x: { title: 'queries' }, y: { title: 'test accuracy' },
    series: ['uniform', 'neyman', 'flops'].map((name, k) => ({ name, points: [[0, 0.1], [1000, 0.5 + k / 10], [2000, 0.7 + k / 10]] })),
  };
  const { spec, warnings } = chartSpec(chart);
  assert.deepEqual(warnings, []);
  const svg = await chartSvg(spec);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="(\d+)" height="(\d+)"[\s\S]*<\/svg>\n$/);
  assert.equal(marks(svg, 'line').groups, 3, 'one line per series');
  for (const name of ['uniform', 'neyman', 'flops', 'test accuracy against queries']) assert.ok(svg.includes(`>${name}</text>`), name);

  // resvg parses the document (it throws on malformed SVG) and draws it at twice its size.
  const [width, height] = svg.match(/width="(\d+)" height="(\d+)"/)!.slice(1).map(Number);
  const png = svgToPng(svg);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.deepEqual(pngSize(png), [2 * width!, 2 * height!]);
});

test('variants become dashes, a log axis leaves out non-positive values and says how many', async () => {
  const chart: LineChart = {
    type: 'line', title: 'loss', x: { title: 'steps', scale: 'log' }, y: { title: 'loss', scale: 'log' },
    series: [
      { name: 'a', variant: 'train', points: [[0, 3], [10, 2], [100, 1]] },
      { name: 'a', variant: 'test', points: [[10, 2.5], [100, -1]] },
      { name: 'b', variant: 'train', points: [[10, 2.2], [100, null], [1000, 0.5]] },
    ],
  };
  const { spec, warnings } = chartSpec(chart);
  assert.deepEqual(warnings, ['loss: 2 non-positive values left out of the log scale']);
  const svg = await chartSvg(spec);
  assert.equal(marks(svg, 'line').groups, 3);
  assert.ok(svg.includes('stroke-dasharray'), 'a dashed variant');
  for (const label of ['train', 'test']) assert.ok(svg.includes(`>${label}</text>`), label);
});

test('the sample experiment: scatter points, heat-map cells and a raw Vega-Lite chart all render', async () => {
  const [, scatter, heatmap, raw] = sampleResult().charts;
  const scatterSvg = await chartSvg(chartSpec(scatter!).spec);
  assert.equal(marks(scatterSvg, 'symbol').paths, 5, 'one symbol per point');
  const grid = heatmap as HeatmapChart;
  const holes: HeatmapChart = { ...grid, values: grid.values.map((row, j) => row.map((v, i) => (i === 2 && j === 1 ? null : v))) };
  assert.equal(marks(await chartSvg(chartSpec(holes).spec), 'rect').paths, 5 * 4 - 1, 'one cell per value, none for a null');
  assert.equal(marks(await chartSvg(chartSpec(raw!).spec), 'rect').paths, 2, 'two bars');
});

test('isolines of a linear field lie on its level sets, without the grid border', () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const ys = [0, 0.5, 1, 1.5];
  const chart: HeatmapChart = { type: 'heatmap', title: 'plane', x: { title: 'x' }, y: { title: 'y' }, z: { title: 'z' }, xs, ys, values: ys.map((y) => xs.map((x) => x + 2 * y)), contours: 6 };
  const layers = (chartSpec(chart).spec as unknown as { layer: { data: { values: { line: number; x: number; y: number }[] } }[] }).layer;
  const points = layers[1]!.data.values;
  const lines = new Map<number, number[]>();
  for (const p of points) lines.set(p.line, [...(lines.get(p.line) ?? []), p.x + 2 * p.y]);
  const levels = [...lines.values()].map((zs) => {
    assert.ok(zs.length >= 2);
    assert.ok(zs.every((z) => Math.abs(z - zs[0]!) < 1e-9), `one level per line: ${zs}`);
    return Math.round(zs[0]! * 1e9) / 1e9;
  });
  // d3's round thresholds for the extent [0, 8] are the integers; the extremes touch only single samples (no line).
  assert.deepEqual([...new Set(levels)].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7]);
  assert.ok(points.every((p) => p.x >= 0 && p.x <= 5 && p.y >= 0 && p.y <= 1.5), 'inside the sampled grid');
});

test('a log colour scale leaves out non-positive cells and says so; bad scales are refused', async () => {
  const chart: HeatmapChart = { type: 'heatmap', title: 'landscape', x: { title: 'α' }, y: { title: 'β' }, z: { title: 'loss', scale: 'log' }, xs: [0, 1], ys: [0, 1], values: [[0, 1], [10, 100]], contours: 2 };
  const { spec, warnings } = chartSpec(chart);
  assert.deepEqual(warnings, ['landscape: 1 non-positive value left out of the log colour scale']);
  assert.equal(marks(await chartSvg(spec), 'rect').paths, 3);
  assert.throws(() => svgToPng('<svg', 1), /svg/i);
  assert.throws(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', 0), /scale must be positive/);
});
