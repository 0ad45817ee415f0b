import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { CHECKPOINT_FILE, METRICS_FILE } from '../../src/train/trainer.js';
import { runCli } from './run-cli.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const RUN = ['train', '--model', 'mlp:784-32-10', '--epochs', '3', '--json'];

/** Starts a training run and sends `signal` once its first epoch line is printed. */
function interrupted(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...RUN, '--out', out]);
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!sent && chunk.toString().includes('"epoch":1')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} stops at a step boundary with a checkpoint, says how to resume, and the resumed run ends where an uninterrupted one does`, async () => {
    const [stopped, whole] = [await mkdtemp(join(tmpdir(), 'fp-int-')), await mkdtemp(join(tmpdir(), 'fp-whole-'))];
    const result = await interrupted(stopped, signal);
    assert.equal(result.code, code, result.stderr);
    assert.match(result.stderr, new RegExp(`interrupted by ${signal}; the checkpoint is written: resume with forwardprop train --out .* --resume`));
    const paused = await loadCheckpoint(join(stopped, CHECKPOINT_FILE));
    assert.ok(paused.progress.step >= 125 && paused.progress.step < 375, `stopped at step ${paused.progress.step}`);
    assert.equal((await runCli('train', '--out', stopped, '--resume')).code, 0);
    assert.equal((await runCli(...RUN, '--out', whole)).code, 0);
    const [a, b] = [await loadCheckpoint(join(stopped, CHECKPOINT_FILE)), await loadCheckpoint(join(whole, CHECKPOINT_FILE))];
    assert.deepEqual(a.params, b.params);
    const epochs = (await readFile(join(stopped, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).epoch as number);
    assert.equal(epochs.at(-1), 3);
    assert.deepEqual(epochs, [...epochs].sort((x, y) => x - y), 'no epoch is recorded twice');
  });
}

test('a resume removes temporary files of interrupted writes and cuts records written after the checkpoint', async () => {
  const out = await mkdtemp(join(tmpdir(), 'fp-debris-'));
  assert.equal((await runCli('train', '--model', 'mlp:784-16-10', '--epochs', '2', '--steps', '125', '--out', out)).code, 0);
  // A kill -9 mid-checkpoint (a temp of a dead process) and one between the metrics append and the checkpoint rename.
  await writeFile(join(out, `${CHECKPOINT_FILE}.999999-0123456789ab.fp-tmp`), 'half a checkpoint');
  await writeFile(join(out, METRICS_FILE), `${await readFile(join(out, METRICS_FILE), 'utf8')}${JSON.stringify({ epoch: 2, step: 250 })}\n`);
  const resumed = await runCli('train', '--out', out, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /removed .*fp-tmp, left by an interrupted write/);
  assert.match(resumed.stdout, /metrics\.jsonl: dropped 1 record written after the checkpoint/);
  assert.deepEqual((await readdir(out)).filter((f) => f.includes('tmp')), []);
  const steps = (await readFile(join(out, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step as number);
  assert.deepEqual(steps, [125, 250]);
});
