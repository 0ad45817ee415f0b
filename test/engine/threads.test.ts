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
import { runCli } from '../cli/run-cli.js';

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
  const dir = await mkdtemp(join(tmpdir(), 'fp-threads-'));
  try {
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
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
