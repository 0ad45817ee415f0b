import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from './run-cli.js';

/**
 * One case per kind of bad input a user can give `train` (docs/reliability.md): each is
 * refused before any data is read, with exit code 2 and the flag named; what can only be
 * found in the data fails with exit 1 and names the file.
 */
const USAGE: readonly (readonly [string, readonly string[], RegExp])[] = [
  ['an unknown model', ['--model', 'garbage'], /--model: unknown model 'garbage'; models: mlp/],
  ['a class the dataset does not have', ['--classes', '42'], /--classes: class 42 is not a class of 'mnist' \(0 to 9\)/],
  ['an allocator for a method without allocation', ['--allocator', 'neyman', '--method', 'bp'], /--allocator: method bp takes no query allocation; methods that do: fg-w, fg-a, lr, spsa/],
  ['an unknown device', ['--device', 'tpu'], /--device: device must be one of cpu, .* got 'tpu'/],
  ['an unknown dataset form', ['--dataset', 'foo:bar'], /--dataset: dataset spec must be one of mnist, .* got 'foo:bar'/],
  ['a dataset without its path', ['--dataset', 'csv:'], /--dataset: .* got 'csv:' \(no path after the colon\)/],
  ['an epoch count past what can be counted', ['--epochs', '1e30'], /--epochs: epochs must be an integer from 1 to 2\^53, got 1e\+30/],
  ['a method option the method does not take', ['--method', 'fg-a', '--epsilon', '5'], /--epsilon does not apply to method fg-a \(it applies to spsa, [^)]*\); fg-a takes --directions, --noise, --exact-readout/],
  ['an ε that cannot work', ['--method', 'spsa', '--epsilon', '0'], /spsa option epsilon \(--epsilon\) must be greater than 0, got 0/],
  ['a negative count, written with a space', ['--epochs', '-1'], /--epochs must be at least 1, got -1/],
  ['a budget for an allocator that is not there', ['--queries-per-example', '4'], /--queries-per-example: .*give an allocator too/],
  ['an objective that does not fit the data', ['--objective', 'mse'], /--objective: objective 'mse' takes float targets, and 'mnist' is a classification dataset/],
  ['an unknown objective', ['--objective', 'hinge'], /--objective: unknown objective 'hinge'; objectives: cross-entropy/],
];

describe('train refuses bad flags up front: exit 2, the flag named, no data read', () => {
  for (const [what, flags, message] of USAGE) {
    test(what, async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'fp-bad-')), 'run');
      const { code, stderr, stdout } = await runCli('train', ...flags, '--out', out);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.equal(stdout, '', 'nothing ran');
    });
  }
});

test('a query budget is a hard limit: the last step shrinks to fit', async () => {
  const out = join(await mkdtemp(join(tmpdir(), 'fp-budget-')), 'run');
  const { code, stdout, stderr } = await runCli('train', '--method', 'spsa', '--model', 'mlp:784-16-10', '--epochs', '1', '--queries', '1000', '--out', out, '--json');
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
  // 32 queries per example (16 directions, ±): 31 examples fit in 1,000.
  assert.deepEqual([summary.queries, summary.steps, summary.stopped], [992, 1, 'queries']);
});

test('a file-system error names the path and what was being done (exit 1)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fp-dir-'));
  const { code, stderr } = await runCli('train', '--dataset', `csv:${dir}`, '--out', join(dir, 'run'));
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`cannot read CSV file ${dir}: it is a directory`));
});
