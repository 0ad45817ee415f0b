import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { score } from '../../src/experiments/federated-metric.js';
import { runQuadraticStudy } from '../../src/experiments/federated-quadratic.js';
import { runZordStudy } from '../../src/experiments/zord.js';
import { readExperimentResult } from '../../src/report/result.js';

test('the macro metrics match a hand-counted confusion matrix', () => {
  // Class 0: tp 1, fp 1, fn 1; class 1: tp 1, fn 1; class 2: tp 1, fp 1.
  const predicted = Int32Array.of(0, 0, 1, 2, 2);
  const labels = Int32Array.of(0, 1, 1, 2, 0);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(score(predicted, labels, 3, 'precision'), (0.5 + 1 + 0.5) / 3);
  close(score(predicted, labels, 3, 'recall'), (0.5 + 0.5 + 1) / 3);
  close(score(predicted, labels, 3, 'f1'), (0.5 + 2 / 3 + 2 / 3) / 3);
  close(score(predicted, labels, 3, 'jaccard'), (1 / 3 + 0.5 + 0.5) / 3);
  // A class absent from labels and predictions does not dilute the average.
  close(score(predicted, labels, 5, 'f1'), (0.5 + 2 / 3 + 2 / 3) / 3);
});

test('the quadratic study writes the report contract and judges its target from its own records', async () => {
  const out = await mkdtemp(join(tmpdir(), 'quadratic-'));
  try {
    const study = await runQuadraticStudy({ out, dimension: 8, clients: 3, heterogeneities: [50], rounds: 4, localSteps: 2, algorithms: ['fedzo', 'fzoos'], features: 64, restarts: 0 });
    const result = await readExperimentResult(out);
    assert.equal(result.kind, 'federated-quadratic');
    assert.deepEqual(result.tables[0]!.rows.map((r) => r[0]), ['fedzo', 'fzoos']);
    assert.equal(result.charts.length, 2);
    const [fedzo, fzoos] = study.runs[0]!.runs;
    assert.deepEqual(fedzo!.records.map((r) => r.round), [0, 1, 2, 3, 4]);
    const target = study.target!;
    const first = fzoos!.records.find((r) => r.round > 0 && r.globalLoss! <= fedzo!.records.at(-1)!.globalLoss!);
    assert.equal(target.fzoosRounds, first?.round ?? null);
    assert.equal(target.degenerate, fedzo!.records.at(-1)!.globalLoss! >= fedzo!.records[0]!.globalLoss!);
    assert.equal(target.met, !target.degenerate && first !== undefined && first.round <= 2);
    assert.match(await readFile(join(out, 'quadratic.md'), 'utf8'), /Target \(C = 50/);
    assert.match(await readFile(join(out, 'quadratic-1.svg'), 'utf8'), /^<svg/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('the zord study spends each method\'s budget and measures queries to SPSA\'s final loss', async () => {
  const out = await mkdtemp(join(tmpdir(), 'zord-'));
  try {
    const { curves } = await runZordStudy({ out, functions: ['levy'], dimensions: [3], budget: 24 });
    assert.deepEqual(curves.map((c) => c.method), ['surrogate', 'spsa', 'rgf', 'prgf']);
    for (const c of curves) {
      assert.equal(c.points[0]![0], 0);
      assert.ok(c.points.at(-1)![0] >= 24 && c.points.every((p, i) => i === 0 || p[0] >= c.points[i - 1]![0]));
    }
    const result = await readExperimentResult(out);
    const spsaFinal = curves[1]!.points.at(-1)![1];
    const surrogate = curves[0]!.points.find(([, loss]) => loss <= spsaFinal);
    assert.equal(result.tables[0]!.rows[0]![6], surrogate ? surrogate[0] : 'not reached');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
