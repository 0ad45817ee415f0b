import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMgdExperiment } from '../../src/experiments/mgd.js';
import { readExperimentResult } from '../../src/report/result.js';

const dir = () => mkdtemp(join(tmpdir(), 'fp-mgd-'));

/** Reads a study's JSON (every run of every arm). */
async function runs(out: string, study: string): Promise<{ labels: unknown[]; runs: { steps: number; forwardPasses: number; updates: number; meanAngle?: number; curve: unknown[] }[] }[]> {
  return JSON.parse(await readFile(join(out, `mgd-${study}.json`), 'utf8')).results;
}

describe('forwardprop experiment mgd (tiny budgets)', () => {
  test('codes: a row per task and code, a chart per task, result.json, markdown and SVG', async () => {
    const out = await dir();
    const { result, charts, markdown } = await runMgdExperiment({ study: 'codes', out, seeds: 1, budget: 0.02 });
    assert.deepEqual(result.tables[0]!.rows.map((r) => r.slice(0, 2).join(' ')), ['xor tdma', 'xor cdma', 'xor walsh', 'xor fdma', 'parity:4 tdma', 'parity:4 cdma', 'parity:4 walsh', 'parity:4 fdma']);
    assert.deepEqual(charts, ['mgd-codes-1.svg', 'mgd-codes-2.svg']);
    assert.match(await readFile(join(out, charts[1]!), 'utf8'), /^<svg [^>]*>[\s\S]*walsh[\s\S]*<\/svg>\n$/);
    assert.equal(await readFile(join(out, 'mgd-codes.md'), 'utf8'), markdown);
    assert.equal((await readExperimentResult(out)).kind, 'mgd codes');
    for (const arm of await runs(out, 'codes')) {
      const [run] = arm.runs;
      assert.equal(run!.forwardPasses, 2 * run!.steps, 'the baseline and the perturbed cost every step at τ = 1');
      assert.ok(run!.steps <= (arm.labels[0] === 'xor' ? 200 : 400));
    }
  });

  test('time constants: equal forward passes, one update per τθ steps, the angle to the gradient', async () => {
    const out = await dir();
    await runMgdExperiment({ study: 'time-constants', out, seeds: 1, budget: 0.01 });
    const arms = await runs(out, 'time-constants');
    assert.deepEqual(arms.map((a) => a.labels.join(' ')), ['τθ (τx = τθ) 1', 'τθ (τx = τθ) 10', 'τθ (τx = τθ) 100', 'τθ (τx = τθ) 1000', 'τx 10', 'τx 100', 'τp 10', 'τp 100']);
    for (const { labels, runs: [run] } of arms) {
      assert.ok(run!.forwardPasses >= 400 && run!.forwardPasses <= 402, `${labels.join(' ')}: ${run!.forwardPasses} forward passes`);
      if (labels[0] === 'τθ (τx = τθ)') assert.equal(run!.updates, Math.floor(run!.steps / (labels[1] as number)));
      if (run!.updates > 0) assert.ok(run!.meanAngle! > 0 && run!.meanAngle! < 180, `${labels.join(' ')}: angle ${run!.meanAngle}`);
    }
    // τx = τθ = 10: the baseline once per 10 steps, 1.1 passes per step.
    assert.equal(arms[1]!.runs[0]!.steps, 363);
  });

  test('noise and scaling: a row per level and per width and mode, and the verdict from the fitted slopes', async () => {
    const out = await dir();
    const noise = await runMgdExperiment({ study: 'noise', out, seeds: 1, budget: 0.01 });
    assert.deepEqual(noise.result.tables[0]!.rows.map((r) => r.slice(0, 2).join(' ')), ['none 0', 'cost noise Cσ 0.0001', 'cost noise Cσ 0.001', 'cost noise Cσ 0.01', 'update noise θσ 0.0001', 'update noise θσ 0.001', 'update noise θσ 0.01', 'device variation σ 0.1', 'device variation σ 0.25', 'device variation σ 0.5']);
    const scaling = await runMgdExperiment({ study: 'scaling', out: await dir(), seeds: 1, budget: 0.005, widths: [2, 32], mlpDataset: 'none' });
    assert.deepEqual(scaling.result.tables[0]!.rows.map((r) => `${r[0]} ${r[1]} P=${r[3]} n=${r[4]}`), ['2 weights P=13 n=13', '2 nodes P=13 n=3', '32 weights P=193 n=193', '32 nodes P=193 n=33']);
    assert.match(scaling.result.notes![0]!, /^Oripov et al\. \(2025\) claim .* parity:4 weights: /);
  });

  test('fashion-cnn: backprop and MGD on the same batches, steps to 0.85 and 0.9', async () => {
    const out = await dir();
    const { result } = await runMgdExperiment({ study: 'fashion-cnn', out, batchSize: 20, mgdLrs: [10], budget: 0.025 });
    const rows = result.tables[0]!.rows;
    assert.deepEqual(rows.map((r) => r.slice(0, 2).join(' ')), ['bp SGD lr 0.1', 'mgd η 10']);
    assert.equal(rows[1]![7], 200, 'MGD: two forward passes a step for 100 steps');
    assert.ok(rows.every((r) => (r[6] as number) >= 0 && (r[6] as number) <= 1 && r[8] as number > 0));
  });
});
