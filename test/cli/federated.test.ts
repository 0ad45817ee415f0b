import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './run-cli.js';

test('forwardprop federated refuses bad input with exit 2, naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--clients', '1'], /--clients must be at least 2, got 1/],
    [['--rounds', '0'], /--rounds must be at least 1, got 0/],
    [['--local-steps', '0'], /--local-steps must be at least 1, got 0/],
    [['--local-steps=-3'], /--local-steps must be at least 1, got -3/],
    [['--algorithm', 'fedavg'], /--algorithm must be one of fedzo, fedprox, scaffold-1, scaffold-2, fzoos; got 'fedavg'/],
    [['--algorithm', 'fedzo', '--restarts', '2'], /--restarts does not apply to fedzo \(its local estimator is rgf\)/],
    [['--resume'], /--resume needs --out/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli('federated', ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('forwardprop federated runs rounds, writes its records and summary, and resumes to more rounds', async () => {
  const out = await mkdtemp(join(tmpdir(), 'federated-cli-'));
  try {
    const args = ['federated', '--algorithm', 'scaffold-2', '--clients', '3', '--local-steps', '2', '--dimension', '12', '--directions', '4', '--out', out, '--json'];
    const first = await runCli(...args, '--rounds', '2');
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(lines.slice(0, 3).map((l) => l.round), [0, 1, 2]);
    // Three clients, two steps of 1 + 4 queries each, per round.
    assert.equal(lines[2]!.queries, 2 * 3 * 2 * 5);
    assert.ok(lines[2]!.bytes > 0 && lines[2]!.globalLoss! < lines[0]!.globalLoss!);
    const more = await runCli(...args, '--rounds', '3', '--resume');
    assert.equal(more.code, 0, more.stderr);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    assert.equal(summary.rounds, 3);
    assert.equal(summary.queries, 3 * 3 * 2 * 5);
    const rounds = (await readFile(join(out, 'rounds.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(rounds.map((l) => (JSON.parse(l) as { round: number }).round), [0, 1, 2, 3]);
    // result.json holds the whole run's curves (the resumed session's records start at round 3), which report draws as a study, not a training run.
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { charts: { series: { points: [number, number][] }[] }[] };
    assert.deepEqual(result.charts[0]!.series[0]!.points.map(([round]) => round), [0, 1, 2, 3]);
    const report = await runCli('report', out, '--out', join(out, 'report.html'));
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout + report.stderr, /0 runs, 1 experiment, 2 charts/);
    assert.doesNotMatch(report.stderr, /warning/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
