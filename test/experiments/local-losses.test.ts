import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  LOCAL_LOSSES_JSON,
  LOCAL_LOSSES_MD,
  type LocalLossConfig,
  type LocalLossOptions,
  type MethodRow,
  type TrainedRow,
  localLossMarkdown,
  runLocalLossExperiment,
} from '../../src/experiments/local-losses.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE, METRICS_FILE, SUMMARY_FILE } from '../../src/train/trainer.js';
import { runCli } from '../cli/run-cli.js';


/** A few steps of a tiny MLP: the grid's mechanics, not its accuracy. */
const tiny = async (overrides: Partial<LocalLossOptions> = {}): Promise<LocalLossOptions> => ({
  dataset: 'mnist',
  model: 'mlp:784-16-10',
  epochs: 1,
  steps: 3,
  batchSize: 32,
  methods: ['bp', 'fg-a'],
  out: await mkdtemp(join(tmpdir(), 'fp-local-losses-')),
  ...overrides,
});

const trained = (row: MethodRow | undefined): TrainedRow => {
  assert.ok(row && !('error' in row), `expected a trained row, got ${JSON.stringify(row)}`);
  return row;
};
const tableRows = (markdown: string) => markdown.split('\n').filter((line) => /^\| [a-z]/.test(line) && !line.startsWith('| method'));

describe('local-losses experiment', () => {
  test('trains each method in its own directory and writes JSON and markdown rows in the grid order', async () => {
    const options = await tiny({ methods: ['fg-a', 'bp'] });
    const seen: string[] = [];
    const report = await runLocalLossExperiment(options, { onRow: (row) => seen.push(row.method) });
    assert.deepEqual(seen, ['bp', 'fg-a']);
    assert.deepEqual(report.config.methods, ['bp', 'fg-a']);
    for (const method of ['bp', 'fg-a']) {
      for (const file of [CHECKPOINT_FILE, METRICS_FILE, SUMMARY_FILE]) assert.ok(existsSync(join(options.out, method, file)), `${method}/${file}`);
    }
    const json = JSON.parse(await readFile(join(options.out, LOCAL_LOSSES_JSON), 'utf8'));
    assert.deepEqual(json, JSON.parse(JSON.stringify({ config: report.config, rows: report.rows })));
    assert.deepEqual(json.rows.map((r: MethodRow) => r.method), ['bp', 'fg-a']);
    const bp = trained(report.rows[0]);
    const summary = JSON.parse(await readFile(join(options.out, 'bp', SUMMARY_FILE), 'utf8'));
    assert.equal(bp.test_acc, summary.test_acc);
    assert.equal(bp.test_error, Math.round(1e6 * (1 - summary.test_acc)) / 1e4);
    assert.deepEqual([bp.steps, bp.queries, bp.lr, bp.reused], [3, 3 * 32, 1e-3, false]);

    const markdown = await readFile(join(options.out, LOCAL_LOSSES_MD), 'utf8');
    assert.equal(markdown, report.markdown);
    assert.match(markdown, /^# Local losses: mnist, mlp:784-16-10\n/);
    assert.match(markdown, /\| method \| lr \| test error % \/ train error % \|\n/);
    assert.doesNotMatch(markdown, /paper/i, 'no paper column for a model the paper did not use');
    assert.deepEqual(tableRows(markdown).map((line) => line.split(' | ')[0]), ['| bp', '| fg-a']);
    assert.match(tableRows(markdown)[0]!, new RegExp(`^\\| bp \\| 0.001 \\| ${bp.test_error.toFixed(2)} / ${bp.train_error.toFixed(2)} \\|$`));
  });

  test("the paper's protocol: the variant reaches the activity methods only, the training settings every method", async () => {
    const options = await tiny({ variant: 'block', directions: 2, normalize: true, optimizer: 'momentum', schedule: 'cosine', warmupSteps: 2, momentum: 0.8, weightDecay: 1e-4 });
    const report = await runLocalLossExperiment(options);
    const saved = async (method: string) => (await loadCheckpoint(join(options.out, method, CHECKPOINT_FILE))).config as unknown as TrainConfig;
    const [bp, fgA] = [await saved('bp'), await saved('fg-a')];
    assert.deepEqual(bp.options, {});
    assert.deepEqual(fgA.options, { directions: 2, variant: 'block' });
    for (const config of [bp, fgA]) assert.deepEqual([config.normalize, config.optimizer, config.warmupSteps, config.momentum, config.weightDecay], [true, 'momentum', 2, 0.8, 1e-4]);
    assert.match(report.markdown, /2 directions per step for the perturbation methods, activity perturbation variant 'block', batch 32, momentum with a cosine schedule with 2 warmup steps, momentum 0.8, weight decay 0.0001, inputs standardised/);
    await assert.rejects(runLocalLossExperiment({ ...options, variant: 'joint' as never }), /^RangeError: variant must be one of per-site, block, got 'joint'/);
    await assert.rejects(runLocalLossExperiment({ ...options, localLoss: 'contrastive' }), /^RangeError: methods: contrastive local losses are for the local-loss methods \(l-bp, lg-bp, l-fa, lg-fa, lg-fg-w, lg-fg-a\); bp, fg-a would train a supervised loss/);
  });

  test('a diverging method records its error and the others still run', async () => {
    const options = await tiny({ lr: { bp: 1e30 } });
    const report = await runLocalLossExperiment(options);
    const [bp, fgA] = report.rows;
    assert.ok(bp && 'error' in bp);
    assert.match(bp.error, /^step \d+ \(epoch 1, batch \d+\): the loss is NaN/);
    assert.equal(trained(fgA).steps, 3);
    const json = JSON.parse(await readFile(join(options.out, LOCAL_LOSSES_JSON), 'utf8'));
    assert.equal(json.rows[0].error, bp.error);
    assert.match(tableRows(report.markdown)[0]!, /^\| bp \| 1e\+30 \| failed: step \d+ .*the loss is NaN/);
  });

  test('bad options are refused before anything runs, naming the parameter', async () => {
    const options = await tiny({ out: join(tmpdir(), `fp-local-losses-never-${process.pid}`) });
    const cases: [Partial<LocalLossOptions>, RegExp][] = [
      [{ methods: ['bp', 'magic'] }, /^methods: unknown method 'magic'; valid: bp, .*fg-a/],
      [{ methods: [] }, /^methods must name at least one method/],
      [{ lr: { magic: 1 } as LocalLossOptions['lr'] }, /^lr: unknown method 'magic'/],
      [{ epochs: 0 }, /^epochs must be an integer > 0, got 0/],
      [{ batchSize: 1.5 }, /^batchSize must be an integer > 0, got 1.5/],
      [{ seed: -1 }, /^seed must be an integer ≥ 0, got -1/],
    ];
    for (const [overrides, message] of cases) {
      await assert.rejects(runLocalLossExperiment({ ...options, ...overrides }), (e: unknown) => e instanceof RangeError && message.test(e.message));
    }
    await assert.rejects(runLocalLossExperiment({ ...options, out: '' }), /^TypeError: out must name the experiment directory, got ""/);
    assert.equal(existsSync(options.out), false);
  });

  test('re-running reuses finished methods, trains missing ones and continues a longer budget', async () => {
    const first = await runLocalLossExperiment(await tiny({ methods: ['bp'] }));
    const out = first.config.out;
    const again = await runLocalLossExperiment(await tiny({ out }));
    assert.deepEqual(again.rows.map((r) => [r.method, trained(r).reused]), [['bp', true], ['fg-a', false]]);
    assert.deepEqual({ ...trained(again.rows[0]), reused: false }, first.rows[0]);
    const longer = await runLocalLossExperiment(await tiny({ out, steps: 5 }));
    assert.deepEqual(longer.rows.map((r) => [trained(r).steps, trained(r).reused]), [[5, false], [5, false]]);
    // Anything but a budget differs from the run on disk: refused (by train), not silently mixed.
    const changed = await runLocalLossExperiment(await tiny({ out, steps: 5, lr: { bp: 1e-2 } }));
    assert.match((changed.rows[0] as { error: string }).error, /cannot resume: .*lr: checkpoint 0.001, now 0.01/);
    assert.equal(trained(changed.rows[1]).reused, true);
  });

  test("the paper's Table 3 numbers stand beside a preset's results", () => {
    const config = (dataset: string, model: string): LocalLossConfig => ({ dataset, model, epochs: 1, methods: ['bp'], out: 'x', seed: 0, batchSize: 64, optimizer: 'adam', device: 'cpu' });
    const rows: MethodRow[] = [{ method: 'bp', lr: 0.001, dir: 'x/bp', test_error: 9.7, train_error: 8, test_acc: 0.903, train_acc: 0.92, queries: 1, wall_s: 1, steps: 1, epochs: 1, reused: false }];
    const mnist = localLossMarkdown(config('mnist', 'localmixer:S/1/1'), rows);
    assert.match(mnist, /\| method \| lr \| test error % \/ train error % \| paper \(MNIST S\/1\/1\) \|\n/);
    assert.match(mnist, /\| bp \| 0.001 \| 9.70 \/ 8.00 \| 2.66 \/ 0.00 \|/);
    assert.match(mnist, /Table 3\. It used the full MNIST \(60,000 training .*different training settings.* embedded 8,000 \/ 2,000 subset/);
    const cifar = localLossMarkdown(config('cifar10:/data/cifar10', 'localmixer:M/8/16'), rows);
    assert.match(cifar, /\| bp \| 0.001 \| 9.70 \/ 8.00 \| 33.62 \/ 0.00 \|/);
    assert.match(cifar, /full CIFAR-10/);
    assert.doesNotMatch(cifar, /embedded/);
    assert.doesNotMatch(localLossMarkdown(config('fashion-mnist', 'localmixer:S/1/1'), rows), /paper/i);
  });
});


describe('forwardprop experiment local-losses', () => {
  const tinyFlags = ['--dataset', 'mnist', '--model', 'mlp:784-16-10', '--epochs', '1', '--steps', '3', '--batch-size', '32'];

  test('--help and usage errors', async () => {
    const list = await runCli('experiment', '--help');
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^Usage: forwardprop experiment <name> \[flags\]/);
    assert.match(list.stdout, /local-losses +The methods of Table 3/);
    for (const name of ['allocation', 'finetune', 'prompt']) assert.match((await runCli('experiment', name, '--help')).stdout, new RegExp(`^Usage: forwardprop experiment ${name} \\[flags\\]`));
    const help = await runCli('experiment', 'local-losses', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: forwardprop experiment local-losses \[flags\]/);
    assert.match(help.stdout, /reuses finished methods/);
    const cases: [string[], RegExp][] = [
      [['local-losses', ...tinyFlags, '--bogus'], /Unknown option '--bogus'/],
      [['local-losses', ...tinyFlags, '--methods', 'bp,magic'], /--methods: unknown method 'magic'; valid: bp, /],
      [['local-losses', '--model', 'mlp', '--epochs', '1'], /--dataset is required/],
      [tinyFlags, /experiment takes the experiment to run: local-losses/],
      [['local-losses', ...tinyFlags, '--epochs', '0'], /--epochs must be at least 1, got 0/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('experiment', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test('a tiny grid: one JSON object per method, a summary object, the results files; a failure exits 1', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'fp-cli-local-losses-')), 'grid');
    const ok = await runCli('experiment', 'local-losses', ...tinyFlags, '--methods', 'fg-a,bp', '--out', out, '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ok.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.slice(0, 2).map((row) => [row.method, row.steps, 'error' in row]), [['bp', 3, false], ['fg-a', 3, false]]);
    assert.deepEqual(lines[2], { out, json: join(out, LOCAL_LOSSES_JSON), markdown: join(out, LOCAL_LOSSES_MD), methods: 2, failed: [] });
    assert.equal(JSON.parse(await readFile(join(out, LOCAL_LOSSES_JSON), 'utf8')).rows.length, 2);

    const text = await runCli('experiment', 'local-losses', ...tinyFlags, '--methods', 'fg-a,bp', '--out', out);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\[1\/2\] bp .*\(reused\)/);
    assert.match(text.stdout, /\n\| fg-a \| 0.003 \| [\d.]+ \/ [\d.]+ \|\n/);

    const failed = await runCli('experiment', 'local-losses', ...tinyFlags, '--methods', 'bp', '--lr', '1e30', '--out', join(out, 'diverged'));
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /\[1\/1\] bp +failed: step \d+ .*the loss is NaN/);
    assert.match(failed.stderr, /1 of 1 methods failed: bp/);
  });
});
