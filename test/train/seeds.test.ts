import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RUN_STREAMS, runSeeds, runStream } from '../../src/train/seeds.js';

test('every consumer of a run seed has its own stream id, so no two draw the same numbers', () => {
  const ids = Object.values(RUN_STREAMS);
  assert.equal(new Set(ids).size, ids.length, `stream ids repeat: ${JSON.stringify(RUN_STREAMS)}`);
  for (const seed of [0, 1, 42, 2 ** 31 - 1]) {
    const seeds = Object.keys(RUN_STREAMS).map((name) => runStream(seed, name as keyof typeof RUN_STREAMS));
    assert.equal(new Set(seeds).size, seeds.length, `seed ${seed}: two consumers derive one seed`);
  }
  assert.deepEqual(runSeeds(7), { init: runStream(7, 'init'), noise: runStream(7, 'noise') });
});

test('the trainer derives from a run seed only through RUN_STREAMS (the pilot and the regrowth estimator once shared stream 4)', () => {
  // The modules as this test runs them: src/*.ts under tsx, dist/src/*.js once built.
  const root = fileURLToPath(new URL('../../src/', import.meta.url));
  const code = (f: string) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts');
  const train = readdirSync(join(root, 'train'), { recursive: true, encoding: 'utf8' }).filter((f) => code(f) && !/^seeds\./.test(f)).map((f) => join('train', f));
  const mgdRun = readdirSync(join(root, 'experiments')).filter((f) => code(f) && f.startsWith('mgd-run.')).map((f) => join('experiments', f));
  assert.equal(mgdRun.length, 1);
  const offenders = [...train, ...mgdRun].filter((f) => /\bderiveSeed\(/.test(readFileSync(join(root, f), 'utf8')));
  assert.deepEqual(offenders, [], `derive a run's seeds with runStream (train/seeds.ts): ${offenders.join(', ')}`);
});
