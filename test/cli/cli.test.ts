import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from './run-cli.js';



const jsonLines = (out: string) => out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('forwardprop CLI', () => {
  test('help and usage errors', async () => {
    const help = await runCli('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Commands:\n {2}train/);
    for (const command of ['train', 'eval', 'bench']) {
      const r = await runCli(command, '--help');
      assert.equal(r.code, 0, command);
      assert.match(r.stdout, new RegExp(`^Usage: forwardprop ${command}`));
    }
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['train', '--bogus'], /Unknown option '--bogus'/],
      [['train', '--epochs', 'abc'], /--epochs expects a number, got 'abc'/],
      [['train', '--epochs', '0'], /--epochs must be at least 1, got 0/],
      [['train', '--method', 'magic'], /--method must be one of bp, l-bp, (.*, )?surrogate(, mgd)?; got 'magic'/],
      [['train', '--resume'], /--resume needs --out/],
      [['bench', 'everything'], /bench takes one suite: engine, estimators, memory, import, targets, kernels, landscape, mgd, scale; got 'everything'/],
      [['federated', '--client', '0'], /--client needs --nats/],
      [['federated', '--clients', '3', '--client', '3', '--nats', 'nats://127.0.0.1:1'], /--client must be in \[0, 3\) \(--clients 3\), got 3/],
      [['worker'], /--nats is required/],
      [['bench', 'memory', '--threads', '2'], /bench memory does not take --threads/],
      [['bench', 'scale', '--threads', '1'], /bench scale does not take --threads/],
      [['train', '--method', 'spsa', '--nats', 'nats://127.0.0.1:1', '--threads', '2'], /--threads 2 over NATS: the workers evaluate with one intra-op thread each/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });

  test('bench targets runs its steps on the threads --threads names (it used to ignore the flag)', async () => {
    // One more thread than cores: a count the default (one per free core) never picks.
    const threads = availableParallelism() + 1;
    const r = await runCli('bench', 'targets', '--threads', String(threads), '--widths', '256', '--seconds', '0.1', '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { machine: { threads: number }; rows: { measure: string }[] };
    assert.equal(result.machine.threads, threads);
    assert.ok(result.rows.some((row) => row.measure.startsWith('bp step')));
  });

  test('bench kernels times every per-parameter kernel over θ against a forward pass', async () => {
    const r = await runCli('bench', 'kernels', '--seconds', '0.1', '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { backend: string; parameters: number; rows: { kernel: string; nsPerElement: number; perForward: number }[] };
    assert.equal(result.backend, 'wasm-simd');
    assert.equal(result.parameters, 269_322);
    assert.ok(result.rows.length >= 15);
    for (const row of result.rows) assert.ok(row.nsPerElement > 0 && row.perForward > 0 && Number.isFinite(row.perForward), row.kernel);
  });

  test('bad data: a missing directory and a corrupt IDX file give named errors and exit 1', async () => {
    const missing = await runCli('train', '--dataset', 'idx:/nonexistent/mnist', '--steps', '1');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\/nonexistent\/mnist/);
    const dir = await mkdtemp(join(tmpdir(), 'fp-idx-'));
    const header = (magic: number, dims: number[]) => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      return b;
    };
    const images = (n: number) => Buffer.concat([header(0x803, [n, 28, 28]), Buffer.alloc(n * 784, 7)]);
    const labels = (n: number) => Buffer.concat([header(0x801, [n]), Buffer.alloc(n, 3)]);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(10).subarray(0, 500)));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), labels(10));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), images(4));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), labels(4));
    const corrupt = await runCli('train', '--dataset', `idx:${dir}`, '--steps', '1');
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /train-images-idx3-ubyte\.gz: truncated/);
  });

  test('train writes a run that eval reads; --resume continues it; a truncated checkpoint is refused', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'fp-cli-')), 'run');
    const first = await runCli('train', '--method', 'bp', '--epochs', '1', '--out', out, '--json');
    assert.equal(first.code, 0, first.stderr);
    const [epoch1, summary1] = jsonLines(first.stdout);
    assert.equal(epoch1!.epoch, 1);
    for (const key of ['method', 'dataset', 'epochs', 'test_acc', 'train_acc', 'queries', 'wall_s']) assert.ok(key in summary1!, key);

    const evaluated = await runCli('eval', out, '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(jsonLines(evaluated.stdout)[0]!.test_acc, summary1!.test_acc);
    const otherShape = await runCli('eval', out, '--dataset', 'xor');
    assert.equal(otherShape.code, 1);
    assert.match(otherShape.stderr, /xor does not fit the run's model: its examples are shaped \[2\], and 'mlp' built for them has \d+ parameters where the run \(trained on mnist\) has 269322/);

    const again = await runCli('train', '--method', 'bp', '--epochs', '1', '--out', out);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds a run/);

    const resumed = await runCli('train', '--out', out, '--resume', '--epochs', '2', '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    const [epoch2, summary2] = jsonLines(resumed.stdout);
    assert.equal(epoch2!.epoch, 2, 'continues with epoch 2');
    assert.equal(epoch2!.step, 250);
    assert.equal(summary2!.epochs, 2);
    assert.equal((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').length, 2);

    await truncate(join(out, 'checkpoint.fpck'), 1000);
    const broken = await runCli('train', '--out', out, '--resume', '--epochs', '3');
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /checkpoint .*checkpoint\.fpck is unusable: truncated/);
    const brokenEval = await runCli('eval', out);
    assert.equal(brokenEval.code, 1);
    assert.match(brokenEval.stderr, /is unusable: truncated/);
  });

  test("a method's default optimiser and learning rate: SGD at 0.005 for spsa (no optimiser state), Adam at its rate when named", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    const run = async (...flags: string[]) => {
      const r = await runCli('train', '--method', 'spsa', '--directions', '1', '--steps', '1', '--model', 'mlp:784-8-10', '--out', join(dir, String(flags.length)), ...flags);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n')[0]!;
    };
    assert.match(await run(), /spsa on mnist, mlp:784-8-10, 20 epochs, batch 64, sgd lr 0\.005,/);
    assert.match(await run('--optimizer', 'adam'), /adam lr 0\.003,/);
    assert.match(await run('--optimizer', 'sgd', '--lr', '0.5', '--json'), /"lr":0.5}$/);
  });

  test('a file where the run directory should be is an error, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
    await mkdir(join(dir, 'x'));
    const r = await runCli('eval', join(dir, 'x'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read checkpoint .*x\/checkpoint\.fpck: no such file/);
  });
});
