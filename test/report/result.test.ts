import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { threadsFor } from '../../src/engine/runtime/onnxruntime.js';
import { type ExperimentResult, RESULT_FILE, parseExperimentResult, readExperimentResult, writeExperimentResult } from '../../src/report/result.js';
import { sampleResult, tempDir } from './fixtures.js';

test('an experiment result round-trips through result.json, naming the intra-op threads it was computed with', async () => {
  const dir = await tempDir();
  await writeExperimentResult(dir, sampleResult());
  const sample = sampleResult();
  assert.deepEqual(await readExperimentResult(dir), { ...sample, conditions: { threads: threadsFor({})!, ...sample.conditions } });
  const own = join(dir, 'own');
  await writeExperimentResult(own, { ...sample, conditions: { ...sample.conditions, threads: 1 } });
  assert.equal((await readExperimentResult(own)).conditions['threads'], 1, 'a result that names its own count keeps it');
  assert.match(await readFile(join(dir, RESULT_FILE), 'utf8'), /^\{\n {2}"kind": "landscape",[\s\S]*\}\n$/);
});

test('results that break the contract are refused, naming the file and the field', async () => {
  const broken = (edit: (r: Record<string, any>) => void): unknown => {
    const r = JSON.parse(JSON.stringify(sampleResult())) as Record<string, any>;
    edit(r);
    return r;
  };
  const cases: [(r: Record<string, any>) => void, RegExp][] = [
    [(r) => delete r.kind, /r\.json: kind must be a string/],
    [(r) => (r.conditions.model = { layers: 2 }), /conditions\.model must be a string, number, boolean or null/],
    [(r) => r.tables[0].rows[1].pop(), /tables\[0\]\.rows\[1\] must be one cell per column \(3\), not 2/],
    [(r) => (r.charts[0].series[1].points[2] = [16]), /charts\[0\]\.series\[1\]\.points\[2\] must be \[x, y\]/],
    [(r) => (r.charts[0].x.scale = 'symlog'), /charts\[0\]\.x\.scale must be 'linear' or 'log'/],
    [(r) => (r.charts[2].xs = [0, 1, 1, 2, 3]), /charts\[2\]\.xs must be a non-empty, strictly increasing array of numbers/],
    [(r) => r.charts[2].values.pop(), /charts\[2\]\.values must be one row per y \(4\), not 3/],
    [(r) => (r.charts[2].values[0][1] = 'high'), /charts\[2\]\.values\[0\]\[1\] must be a number/],
    [(r) => (r.charts[2].contours = 2.5), /charts\[2\]\.contours must be a non-negative integer/],
    [(r) => (r.charts[3].type = 'pie'), /charts\[3\]\.type must be 'line', 'scatter', 'heatmap' or 'vega-lite'/],
    [(r) => (r.notes = 'one note'), /notes must be an array/],
  ];
  for (const [edit, message] of cases) assert.throws(() => parseExperimentResult(broken(edit), 'r.json'), { name: 'TypeError', message });
  assert.doesNotThrow(() => parseExperimentResult(broken((r) => (r.charts[2].values[0][1] = null)), 'r.json'), 'null is a missing value');

  const dir = await tempDir();
  await writeFile(join(dir, RESULT_FILE), '{"kind": "x",');
  await assert.rejects(readExperimentResult(dir), new RegExp(`${RESULT_FILE}: not JSON`));
  await assert.rejects(writeExperimentResult(dir, { ...sampleResult(), tables: [{ title: 't', columns: ['a'], rows: [[1, 2]] }] } as ExperimentResult), /rows\[0\] must be one cell per column \(1\), not 2/);
});
