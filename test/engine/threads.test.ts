import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { input } from '../../src/engine/ir/tensor.js';
import { add } from '../../src/engine/ops/add.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { threadsFor } from '../../src/engine/runtime/onnxruntime.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { runCli, runCliWith } from '../cli/run-cli.js';

/** Runs `work` while other processes keep every core busy. */
async function whileBusy<T>(work: () => Promise<T>): Promise<T> {
  const busy = Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await work();
  } finally {
    for (const p of busy) p.kill();
  }
}

/** Runs `work` in a fresh temporary directory, removed afterwards however it ends. */
async function inTempDir(prefix: string, work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the default intra-op threads: one per core whatever the load; asked-for threads win', async () => {
  assert.equal(await whileBusy(async () => threadsFor({})), availableParallelism());
  assert.equal(threadsFor({}), availableParallelism());
  assert.equal(threadsFor({ threads: 3 }), 3);
});

test('programs run with spinning threads, without, and with the default', async () => {
  const a = input('a', 'float32', [3]);
  for (const options of [{}, { threads: 2, spinning: true }, { threads: 2, spinning: false }, { threads: 1 }]) {
    const program = await compile({ inputs: [a], outputs: [add(a, a)] }, options);
    assert.deepEqual([...((await program.run({ a: Float32Array.of(1, 2, 3) }))[0]!.data as Float32Array)], [2, 4, 6], JSON.stringify(options));
    await program.dispose();
  }
});

// The default once followed the load (one thread per core no other process was busy on), and
// onnxruntime's sums depend on the thread count (784-100-10's loss does): the same command gave
// other numbers on a busy machine.
test('one command gives the same numbers on an idle machine and on a busy one, and records its threads', async () => {
  await inTempDir('fp-threads-', async (dir) => {
      const run = async (name: string) => {
        const out = join(dir, name);
        const r = await runCli('train', '--method', 'bp', '--model', 'mlp:784-100-10', '--steps', '4', '--seed', '3', '--out', out, '--json');
        assert.equal(r.code, 0, r.stderr);
        const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { threads: number; test_loss: number };
        const checkpoint = await loadCheckpoint(join(out, 'checkpoint.fpck'));
        return { summary, config: checkpoint.config, theta: createHash('sha256').update(checkpoint.params).digest('hex') };
      };
      const idle = await run('idle');
      const busy = await whileBusy(() => run('busy'));
      assert.equal(idle.summary.threads, availableParallelism());
      assert.equal(idle.config['threads'], availableParallelism(), 'the checkpoint records the threads, for a resume');
      assert.equal(busy.theta, idle.theta);
      assert.equal(busy.summary.test_loss, idle.summary.test_loss);
  });
});

test('FORWARDPROP_THREADS pins the default; a bad value is a usage error where a default is needed; thread counts are capped', async () => {
  const run = (value: string, ...args: string[]) => runCliWith({ FORWARDPROP_THREADS: value }, ...args);
  await inTempDir('fp-threads-env-', async (dir) => {
      const r = await run('3', 'train', '--method', 'bp', '--model', 'mlp:784-16-10', '--steps', '1', '--out', join(dir, 'run'), '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(await readFile(join(dir, 'run', 'summary.json'), 'utf8')) as { threads: number }).threads, 3);
      for (const value of ['two', '0', '1e1', '99999']) {
        const bad = await run(value, 'train', '--steps', '1', '--out', join(dir, `bad-${value}`));
        assert.equal(bad.code, 2, value);
        assert.match(bad.stderr, new RegExp(`FORWARDPROP_THREADS must be a whole number of intra-op threads from 1 to 1024, got '${value}'`));
      }
      // Only where a default is needed: help, and a run given --threads, do not read it.
      assert.equal((await run('two', 'train', '--help')).code, 0);
      const given = await run('two', 'train', '--method', 'bp', '--model', 'mlp:784-16-10', '--steps', '1', '--threads', '1', '--out', join(dir, 'given'), '--json');
      assert.equal(given.code, 0, given.stderr);
      // onnxruntime creates every thread at once: 10,000 took minutes and gigabytes, and ignored signals.
      const huge = await run('1', 'train', '--threads', '10000', '--steps', '1', '--out', join(dir, 'huge'));
      assert.equal(huge.code, 2);
      assert.match(huge.stderr, /--threads must be at most 1024, got 10000/);
  });
});

test('resuming over NATS a run that computed with other threads says where the count came from', async () => {
  await inTempDir('fp-threads-nats-', async (dir) => {
      const out = join(dir, 'run');
      assert.equal((await runCli('train', '--method', 'spsa', '--model', 'mlp:784-16-10', '--steps', '1', '--threads', '2', '--out', out)).code, 0);
      const r = await runCli('train', '--out', out, '--resume', '--nats', 'nats://127.0.0.1:1', '--steps', '2');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /this run computed with 2 intra-op threads \(its checkpoint records them\).*resume it without --nats, or with --threads 1/);
  });
});

test("eval of a run defaults to the run's threads, so it reproduces the run's evaluation", async () => {
  await inTempDir('fp-threads-eval-', async (dir) => {
      const out = join(dir, 'run');
      const trained = await runCli('train', '--method', 'bp', '--model', 'mlp:784-100-10', '--steps', '5', '--threads', '1', '--eval-batch-size', '64', '--out', out, '--json');
      assert.equal(trained.code, 0, trained.stderr);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { test_loss: number };
      const r = await runCli('eval', out, '--batch-size', '64', '--json');
      assert.equal(r.code, 0, r.stderr);
      const evaluated = JSON.parse(r.stdout) as { test_loss: number; threads: number };
      assert.equal(evaluated.threads, 1);
      assert.equal(evaluated.test_loss, summary.test_loss);
  });
});

test('with --json the resume warning about another thread count still reaches stderr', async () => {
  await inTempDir('fp-threads-json-', async (dir) => {
      const out = join(dir, 'run');
      assert.equal((await runCli('train', '--method', 'bp', '--model', 'mlp:784-16-10', '--steps', '1', '--threads', '1', '--out', out, '--json')).code, 0);
      const r = await runCli('train', '--out', out, '--resume', '--steps', '2', '--threads', '2', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: resuming with 2 intra-op threads where the run used 1/);
      for (const line of r.stdout.trim().split('\n')) JSON.parse(line);
  });
});
