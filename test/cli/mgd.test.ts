import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { runTrain } from '../../src/cli/train.js';
import { runCli } from './run-cli.js';

const xor = ['--dataset', 'xor', '--objective', 'mse', '--model', 'mlp:2-2-1:sigmoid:sigmoid', '--method', 'mgd', '--steps', '1'];

test('mgd: bad time constants, amplitudes, codes, frequencies and sparsity exit 2 naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--taup', '0'], /--taup must be at least 1, got 0/],
    [['--tautheta', '1.5'], /--tautheta expects an integer, got '1.5'/],
    [['--taux=-2'], /--taux must be at least 1, got -2/],
    [['--amplitude', '0'], /mgd option amplitude \(--amplitude\) must be greater than 0, got 0/],
    [['--code', 'qdma'], /--code must be one of tdma, cdma, walsh, fdma; got 'qdma'/],
    [['--code', 'fdma', '--fdma-high', '0.5'], /--fdma-high 0.5 must be below the Nyquist frequency 0.5\/τp = 0.5 cycles per step \(--taup 1\)/],
    [['--sparsity', '0'], /mgd option sparsity \(--sparsity\) must be greater than 0, got 0/],
    [['--sparsity', '1.5'], /mgd option sparsity \(--sparsity\) must be at most 1, got 1.5/],
    [['--code', 'walsh', '--sparsity', '0.5'], /--sparsity applies to --code cdma only, not walsh/],
    [['--perturb', 'neurons'], /--perturb must be one of weights, nodes; got 'neurons'/],
  ];
  // Usage errors are what the CLI turns into exit code 2 (checked once below, in a child process).
  for (const [args, message] of cases) await assert.rejects(runTrain([...xor, ...args]), (e: unknown) => e instanceof UsageError && message.test(e.message), args.join(' '));
  const [bad, study] = await Promise.all([runCli('train', ...xor, '--code', 'fdma', '--fdma-high', '0.7'), runCli('experiment', 'mgd', 'everything')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fdma-high 0.7 must be below the Nyquist frequency/);
  assert.equal(study.code, 2);
  assert.match(study.stderr, /experiment mgd takes one study: codes, scaling, time-constants, noise, fashion-cnn; got 'everything'/);
});

test('forwardprop train --method mgd on 4-bit parity, and an mgd study writing its report files', async () => {
  const out = await mkdtemp(join(tmpdir(), 'fp-mgd-cli-'));
  const train = await runCli('train', '--dataset', 'parity:4', '--objective', 'mse', '--model', 'mlp:4-4-1:sigmoid:sigmoid', '--method', 'mgd', '--code', 'walsh', '--tautheta', '2', '--optimizer', 'sgd', '--lr', '0.1', '--batch-size', '4', '--epochs', '2', '--json', '--out', join(out, 'run'));
  assert.equal(train.code, 0, train.stderr);
  const summary = JSON.parse(train.stdout.trim().split('\n').pop()!);
  assert.deepEqual([summary.method, summary.model, summary.parameters, summary.steps], ['mgd', 'mlp:4-4-1:sigmoid:sigmoid', 25, 8]);
  const study = await runCli('experiment', 'mgd', 'codes', '--seeds', '1', '--budget', '0.01', '--out', join(out, 'codes'));
  assert.equal(study.code, 0, study.stderr);
  assert.match(await readFile(join(out, 'codes', 'mgd-codes.md'), 'utf8'), /^# MGD perturbation codes on XOR and 4-bit parity/);
});
