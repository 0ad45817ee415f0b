import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, powerLawFit, timeToTarget } from '../../src/report/curves.js';
import { formatCell, markdownTable, resultMarkdown } from '../../src/report/markdown.js';

const curve = (ys: number[]) => ys.map((y, i) => ({ x: 100 * (i + 1), y }));

test('time to target: the first hit and the start of the final stretch at or above the target', () => {
  assert.deepEqual(timeToTarget(curve([0.5, 0.95, 0.8, 0.9, 0.92]), 0.9), { firstHit: 200, staysAbove: 400 });
  assert.deepEqual(timeToTarget(curve([0.95, 0.97]), 0.9), { firstHit: 100, staysAbove: 100 });
  assert.deepEqual(timeToTarget(curve([0.5, 0.95, 0.8]), 0.9), { firstHit: 200 }, 'ends below: never stays above');
  assert.deepEqual(timeToTarget(curve([0.5, 0.6]), 0.9), {});
  assert.deepEqual(timeToTarget([], 0.9), {});
});

test('median counts Infinity (never reached) as the largest value and leaves NaN out', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([1, Infinity, Infinity]), Infinity);
  assert.equal(median([1, 2, Infinity]), 2);
  assert.equal(median([NaN, 5]), 5);
  assert.ok(Number.isNaN(median([])));
});

test('powerLawFit recovers y = c·x^k, and says when it cannot fit', () => {
  const fit = powerLawFit([10, 100, 1000].map((x) => ({ x, y: 7 * x ** 0.5 })));
  assert.ok(Math.abs(fit.slope - 0.5) < 1e-12 && Math.abs(fit.intercept - Math.log(7)) < 1e-12 && Math.abs(fit.r2 - 1) < 1e-12);
  assert.equal(powerLawFit([{ x: 10, y: 5 }, { x: 100, y: Infinity }, { x: 1000, y: 0 }]).points, 1);
  assert.ok(Number.isNaN(powerLawFit([{ x: 10, y: 5 }]).slope));
  const noisy = powerLawFit([{ x: 1, y: 10 }, { x: 2, y: 4 }, { x: 4, y: 3 }]);
  assert.ok(noisy.slope < 0 && noisy.r2 > 0 && noisy.r2 < 1);
});

test('markdown: cells, tables and a result page with its charts', () => {
  assert.deepEqual([formatCell(null), formatCell(Number.NaN), formatCell('a'), formatCell(12345), formatCell(0.123456)], ['—', '—', 'a', '12,345', '0.1235']);
  const table = { title: 'T', columns: ['a', 'b'], rows: [[1, null]] };
  assert.equal(markdownTable(table), '**T**\n\n| a | b |\n| --- | --- |\n| 1 | — |');
  const page = resultMarkdown({ kind: 'k', title: 'Title', conditions: { seed: 0, model: null }, tables: [table], charts: [{ type: 'line', title: 'C', x: { title: 'x' }, y: { title: 'y' }, series: [] }], notes: ['Note.'] }, ['c.svg']);
  assert.equal(page, '# Title\n\nNote.\n\nConditions: seed 0; model —.\n\n**T**\n\n| a | b |\n| --- | --- |\n| 1 | — |\n\n![C](c.svg)\n');
});
