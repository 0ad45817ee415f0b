import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatNumber, reportHtml } from '../../src/report/html.js';
import { buildReport } from '../../src/report/report.js';
import { RESULT_FILE, type LineChart, writeExperimentResult } from '../../src/report/result.js';
import { METRICS_FILE } from '../../src/train/trainer.js';
import { sampleResult, tempDir, writeRun } from './fixtures.js';

test('runs overlaid: six curves charts, per-step training loss where steps.jsonl exists, a labelled warning for different data', async () => {
  const root = await tempDir();
  const a = await writeRun(join(root, 'fg-a'), { stepsEvery: 10 });
  const b = await writeRun(join(root, 'bp'), { method: 'bp', dataset: 'fashion-mnist' });
  const report = await buildReport([a, b, a]);
  assert.deepEqual(report.runs.map((r) => r.label), ['fg-a', 'bp'], 'one entry per directory, named by its base name');
  assert.deepEqual(report.charts.map((c) => c.id), ['runs-loss-against-steps', 'runs-accuracy-against-steps', 'runs-loss-against-queries', 'runs-accuracy-against-queries', 'runs-loss-against-seconds', 'runs-accuracy-against-seconds']);
  assert.deepEqual(report.warnings, ['runs on different data are overlaid, so their losses and accuracies are not comparable (mnist: fg-a; fashion-mnist: bp)']);

  const loss = (report.charts[0]!.spec as unknown as { data: { values: { series: string; variant: string }[] } }).data.values;
  const count = (series: string, variant: string) => loss.filter((r) => r.series === series && r.variant === variant).length;
  assert.deepEqual([count('fg-a', 'train (per step)'), count('fg-a', 'test'), count('bp', 'train (epoch mean)'), count('bp', 'test')], [30, 3, 3, 3]);
});

test('partial runs and experiments: labelled, never fatal; a directory that is neither is named', async () => {
  const root = await tempDir();
  const early = await writeRun(join(root, 'early'));
  await rm(join(early, METRICS_FILE));
  const finished = await writeRun(join(root, 'x', 'run'));
  const twin = await writeRun(join(root, 'y', 'run'), { checkpoint: false });
  const experiment = join(root, 'allocation');
  await writeExperimentResult(experiment, sampleResult());
  const broken = join(root, 'broken');
  await mkdir(broken);
  await writeFile(join(broken, RESULT_FILE), '{"kind": 1}');

  const report = await buildReport([early, finished, twin, experiment, broken]);
  assert.deepEqual(report.runs.map((r) => r.label), ['early', finished, twin], 'colliding base names fall back to the paths');
  const warnings = report.warnings.join('\n');
  assert.match(warnings, /^early: no metrics\.jsonl/m);
  assert.match(warnings, new RegExp(`^${twin}: no checkpoint\\.fpck: the run's configuration is unknown`, 'm'));
  assert.match(warnings, /^experiment .*broken: .*result\.json: kind must be a string/m);
  const accuracy = report.charts[1]!.spec as unknown as { data: { values: { series: string }[] } };
  assert.deepEqual([...new Set(accuracy.data.values.map((r) => r.series))], [finished, twin], 'a run without metrics draws no curve');
  assert.deepEqual(report.experiments[0]!.charts.map((c) => c.id), ['landscape-variance-against-directions', 'landscape-loss-against-queries', 'landscape-loss-landscape', 'landscape-queries-per-method']);

  const html = await reportHtml(report);
  for (const text of ['early', 'Unavailable: no readable checkpoint.', 'A sample of every chart kind', '<td class="number">0.0325</td>', '<td class="number">160,000</td>', 'Unreadable: ', 'id="warnings"']) {
    assert.ok(html.includes(text), text);
  }
  for (const c of report.charts) assert.ok(html.includes(`<figure class="chart" id="${c.id}"`), c.id);
  assert.equal((html.match(/<script/g) ?? []).length, (html.match(/<\/script>/g) ?? []).length, 'every inlined script ends where it should');
  const markup = html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
  assert.ok(!/\b(src|href)=/.test(markup), `nothing is loaded from elsewhere: ${markup.match(/.{0,80}\b(src|href)=.{0,80}/)?.[0]}`);
  assert.ok(!html.includes('sourceMappingURL'), 'no source maps to look for');

  await assert.rejects(buildReport([early, root]), new RegExp(`^Error: ${root} is not a run directory: it holds none of checkpoint\\.fpck, metrics\\.jsonl, steps\\.jsonl, summary\\.json`));
  await assert.rejects(buildReport([join(root, 'nowhere')]), /nowhere is not a run directory: no such directory/);
  await assert.rejects(buildReport([]), RangeError);
});

test('a run with nothing to plot still gets a page that says so', async () => {
  const dir = await writeRun(join(await tempDir(), 'fresh'));
  await rm(join(dir, METRICS_FILE));
  const report = await buildReport([dir]);
  assert.deepEqual(report.charts, []);
  assert.match(await reportHtml(report), /No curves to draw: none of these runs has metrics yet\./);
});

test('chart warnings reach the report; numbers are formatted for reading', async () => {
  const dir = join(await tempDir(), 'exp');
  const chart: LineChart = { type: 'line', title: 'error', x: { title: 'K', scale: 'log' }, y: { title: 'e' }, series: [{ name: 'a', points: [[0, 1], [1, 2], [2, 3]] }] };
  await writeExperimentResult(dir, { kind: 'k', title: 't', conditions: {}, tables: [], charts: [chart] });
  assert.deepEqual((await buildReport([dir])).warnings, ['error: 1 non-positive value left out of the log scale']);
  assert.deepEqual([1234567, 0.123456, 1.5e-7, 2.5e8 + 0.5, 0, -3].map(formatNumber), ['1,234,567', '0.1235', '1.500e-7', '2.500e+8', '0', '-3']);
});
