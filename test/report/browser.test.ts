import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { reportHtml } from '../../src/report/html.js';
import { buildReport } from '../../src/report/report.js';
import { writeExperimentResult } from '../../src/report/result.js';
import { METRICS_FILE } from '../../src/train/trainer.js';
import { openReport } from './chromium.js';
import { sampleResult, tempDir, writeRun } from './fixtures.js';

test('the report opens offline in Chromium: no console errors, no requests, every chart drawn with its marks', async () => {
  const root = await tempDir();
  const a = await writeRun(join(root, 'fg-a'), { stepsEvery: 10 });
  const b = await writeRun(join(root, 'bp'), { method: 'bp', dataset: 'fashion-mnist' });
  await writeFile(join(b, METRICS_FILE), `${await readFile(join(b, METRICS_FILE), 'utf8')}{"epoch":4,"st`);
  const experiment = join(root, 'landscape');
  await writeExperimentResult(experiment, sampleResult());
  const report = await buildReport([a, b, experiment]);
  const page = join(root, 'report.html');
  await writeFile(page, await reportHtml(report));
  const screenshot = join(root, 'report.png');

  const rendered = await openReport(page, { screenshot });
  assert.deepEqual(rendered.errors, []);
  assert.deepEqual(rendered.requests, []);
  assert.deepEqual(rendered.charts.map((c) => c.id), report.charts.map((c) => c.id), 'a container per chart');
  for (const chart of rendered.charts) {
    assert.equal(chart.rendered, 'true', chart.id);
    assert.ok(chart.marks > 0, `${chart.id} has marks`);
  }
  const byId = new Map(rendered.charts.map((c) => [c.id, c]));
  // Two runs × (train, test) on every curves chart; the sample's log-log chart has two series.
  for (const id of ['runs-loss-against-steps', 'runs-accuracy-against-queries', 'runs-loss-against-seconds']) assert.equal(byId.get(id)?.lines, 4, id);
  assert.equal(byId.get('landscape-variance-against-directions')?.lines, 2);
  assert.ok(rendered.warnings.some((w) => w.startsWith('runs on different data are overlaid')), 'the different-data warning is on the page');
  assert.ok(rendered.warnings.some((w) => /^bp: .*dropped line 4 .*torn last line/.test(w)), 'the torn line is on the page');

  const png = await readFile(screenshot);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.ok(png.readUInt32BE(16) >= 1000 && png.readUInt32BE(20) > 1500, 'a full-page screenshot');
});
