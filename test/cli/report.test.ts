import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeExperimentResult } from '../../src/report/result.js';
import { METRICS_FILE } from '../../src/train/trainer.js';
import { sampleResult, tempDir, writeRun } from '../report/fixtures.js';
import { runCli } from './run-cli.js';

test('forwardprop report: an HTML page and one SVG and PNG per chart; warnings on stderr', async () => {
  const root = await tempDir();
  const a = await writeRun(join(root, 'a'), { stepsEvery: 25 });
  const b = await writeRun(join(root, 'b'), { method: 'bp' });
  await writeFile(join(b, METRICS_FILE), `${await readFile(join(b, METRICS_FILE), 'utf8')}{"epoch":4,`);
  const experiment = join(root, 'landscape');
  await writeExperimentResult(experiment, sampleResult());
  const out = join(root, 'page', 'report.html');
  const { code, stdout, stderr } = await runCli('report', a, b, experiment, '--out', out, '--svg', join(root, 'svg'), '--png', join(root, 'png'));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /report: 2 runs, 1 experiment, 10 charts → .*report\.html, 10 charts in .*svg, 10 charts in .*png/);
  assert.match(stderr, /^warning: b: .*metrics\.jsonl: dropped line 4 \(11 bytes\): torn last line/m);
  assert.match(await readFile(out, 'utf8'), /^<!doctype html>[\s\S]*dropped line 4[\s\S]*<\/html>\n$/);
  const svgs = (await readdir(join(root, 'svg'))).sort();
  assert.equal(svgs.length, 10);
  assert.ok(svgs.includes('runs-loss-against-steps.svg') && svgs.includes('landscape-loss-landscape.svg'), svgs.join(', '));
  assert.deepEqual((await readdir(join(root, 'png'))).sort(), svgs.map((f) => f.replace(/svg$/, 'png')));
});

test('forwardprop report: no directories is a usage error (2); a path that is not a run directory fails (1), named', async () => {
  const none = await runCli('report');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /report takes one or more run or experiment directories/);
  const empty = await tempDir();
  const notRun = await runCli('report', empty, '--out', join(empty, 'r.html'));
  assert.equal(notRun.code, 1);
  assert.match(notRun.stderr, new RegExp(`forwardprop report: ${empty} is not a run directory: it holds none of`));
  const missing = await runCli('report', join(empty, 'gone'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /gone is not a run directory: no such directory/);
  assert.match((await runCli('report', '--help')).stdout, /Usage: forwardprop report <run or experiment directory>\.\.\. \[flags\]/);
});
