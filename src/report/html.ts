import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Summary } from '../train/trainer.js';
import type { ExperimentEntry, Report, ReportChart } from './report.js';
import type { Cell } from './result.js';
import type { LabelledRun } from './run-charts.js';

/** The browser builds inlined into every page, in load order, by package and file beside its module entry. */
const LIBRARIES = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;

/**
 * The report as one self-contained HTML page: Vega, Vega-Lite and vega-embed are
 * inlined, the charts' data sits in the page, so it opens offline from a file:// URL.
 * Every chart container gets `data-rendered="true"` once drawn (or `"error"` with the
 * message in place of the chart), which the browser test waits for.
 */
export async function reportHtml(report: Report): Promise<string> {
  const resolve = createRequire(import.meta.url).resolve;
  const libraries = await Promise.all(LIBRARIES.map(([pkg, file]) => readFile(join(dirname(resolve(pkg)), file), 'utf8')));
  const specs = Object.fromEntries(report.charts.map((c) => [c.id, c.spec]));
  const title = `forwardprop report: ${[...report.runs.map((r) => r.label), ...report.experiments.map((e) => e.result?.kind ?? e.dir)].join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(title)}</h1>
${warningsHtml(report.warnings)}
${report.runs.length > 0 ? runsHtml(report) : ''}
${report.experiments.map(experimentHtml).join('\n')}
${libraries.map((code) => `<script>${inlineScript(code)}</script>`).join('\n')}
<script type="application/json" id="chart-specs">${JSON.stringify(specs).replace(/</g, '\\u003c')}</script>
<script>${EMBED}</script>
</body>
</html>
`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.chart { margin: 0; min-height: 120px; }
.warnings { background: #fff4e5; border: 1px solid #f0b35a; padding: 0.5em 1em 0.5em 2em; }
.problems { color: #8a4b00; }
.empty { color: #666; font-style: italic; }
table { border-collapse: collapse; margin: 0.5em 0 1em; } th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f5f5f5; }
details { margin: 0.5em 0; } summary { cursor: pointer; font-weight: 600; }
.run-tables { display: flex; flex-wrap: wrap; gap: 0 2.5em; align-items: flex-start; }
code { font-size: 0.95em; }
`;

/** Draws each chart into its container and marks the container when done. */
const EMBED = `
const specs = JSON.parse(document.getElementById('chart-specs').textContent);
for (const [id, spec] of Object.entries(specs)) {
  const figure = document.getElementById(id);
  const plot = figure.querySelector('.plot');
  vegaEmbed(plot, spec, { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
    .then(() => { figure.dataset.rendered = 'true'; })
    .catch((error) => { figure.dataset.rendered = 'error'; plot.textContent = 'This chart could not be drawn: ' + error.message; console.error(error); });
}
`;

function warningsHtml(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  return `<ul class="warnings" id="warnings">${warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>`;
}

function chartsHtml(charts: readonly ReportChart[], empty: string): string {
  if (charts.length === 0) return `<p class="empty">${escape(empty)}</p>`;
  return `<div class="charts">${charts.map((c) => `<figure class="chart" id="${c.id}" data-title="${escape(c.title)}"><div class="plot"></div></figure>`).join('')}</div>`;
}

function runsHtml(report: Report): string {
  const rows = report.runs.map(({ label, run }) => {
    const s: Partial<Summary> = run.summary ?? {};
    const config = run.checkpoint?.config ?? {};
    const progress = run.checkpoint?.progress;
    return [
      label,
      s.method ?? (config.method as string | undefined) ?? null,
      s.dataset ?? (config.dataset as string | undefined) ?? null,
      s.model ?? (config.model as string | undefined) ?? null,
      percent(s.test_acc ?? run.metrics.at(-1)?.test_acc),
      percent(s.train_acc ?? run.metrics.at(-1)?.train_acc),
      s.test_loss ?? run.metrics.at(-1)?.test_loss ?? null,
      s.steps ?? progress?.step ?? null,
      s.queries ?? progress?.queries ?? null,
      s.wall_s ?? progress?.seconds ?? null,
      run.summary ? `finished (${s.stopped ?? '?'})` : 'unfinished',
    ];
  });
  const columns = ['run', 'method', 'dataset', 'model', 'test acc', 'train acc', 'test loss', 'steps', 'queries', 'seconds', 'status'];
  return `<section id="runs">
<h2>Training curves</h2>
${chartsHtml(report.runCharts, 'No curves to draw: none of these runs has metrics yet.')}
<h2>Runs</h2>
${tableHtml(columns, rows)}
${report.runs.map(runDetailsHtml).join('\n')}
</section>`;
}

function runDetailsHtml({ label, run }: LabelledRun): string {
  const parts = [`<details class="run" open><summary>${escape(label)} <code>${escape(run.dir)}</code></summary>`];
  if (run.problems.length > 0) parts.push(`<ul class="problems">${run.problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>`);
  const tables: string[] = [];
  if (run.checkpoint) {
    const { bytes, progress, config } = run.checkpoint;
    tables.push(`<div><h3>Configuration (from the checkpoint)</h3>${keyValueHtml(config)}</div>`, `<div><h3>Checkpoint</h3>${keyValueHtml({ size: megabytes(bytes), ...progress })}</div>`);
  } else {
    tables.push('<div><h3>Configuration</h3><p class="empty">Unavailable: no readable checkpoint.</p></div>');
  }
  if (run.summary) tables.push(`<div><h3>Summary</h3>${keyValueHtml(run.summary as unknown as Record<string, unknown>)}</div>`);
  parts.push(`<div class="run-tables">${tables.join('\n')}</div>`, '</details>');
  return parts.join('\n');
}

function experimentHtml({ dir, result, error, charts }: ExperimentEntry): string {
  if (!result) return `<section class="experiment"><h2>Experiment <code>${escape(dir)}</code></h2><p class="problems">Unreadable: ${escape(error ?? '')}</p></section>`;
  return `<section class="experiment">
<h2>${escape(result.title)} <code>${escape(dir)}</code></h2>
${(result.notes ?? []).map((n) => `<p>${escape(n)}</p>`).join('\n')}
<h3>Conditions</h3>
${keyValueHtml(result.conditions)}
${result.tables.map((t) => `<h3>${escape(t.title)}</h3>\n${tableHtml(t.columns, t.rows)}`).join('\n')}
${chartsHtml(charts, 'This experiment has no charts.')}
</section>`;
}

/** A table; without columns, a header-less one (key–value pairs). */
function tableHtml(columns: readonly string[] | undefined, rows: readonly (readonly Cell[])[]): string {
  const head = columns ? `<tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>` : '';
  const body = rows.map((row) => `<tr>${row.map((c) => (typeof c === 'number' ? `<td class="number">${formatNumber(c)}</td>` : `<td>${c === null ? '–' : escape(c)}</td>`)).join('')}</tr>`);
  return `<table>${head}${body.join('')}</table>`;
}

function keyValueHtml(record: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(record).map(([k, v]): Cell[] => [k, typeof v === 'number' || typeof v === 'string' || v === null ? v : v === undefined ? null : JSON.stringify(v)]);
  return tableHtml(undefined, rows);
}

/** Integers with thousands separators; others to 4 significant digits, exponential outside [1e-3, 1e6). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function percent(v: number | undefined): string | null {
  return v === undefined || !Number.isFinite(v) ? null : `${(100 * v).toFixed(2)}%`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A library's code made safe inside <script>…</script>: no early end tag, no HTML
 * comment opener, and no source-map reference (the map is not in the page).
 */
function inlineScript(code: string): string {
  if (code.includes('<!--')) throw new Error('cannot inline a script containing "<!--" (it would change how the page parses)');
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}
