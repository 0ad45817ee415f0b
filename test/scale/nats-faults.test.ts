import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { RunChannel, runNames } from '../../src/scale/channel.js';
import { decode, taskSchema } from '../../src/scale/messages.js';
import { natsConnect } from '../../src/scale/nats-node.js';
import { trainOverNats } from '../../src/scale/nats-train.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE, train } from '../../src/train/trainer.js';
import { checkpointBits, classificationCsv, cli, spsaConfig, startWorker } from './fixtures.js';
import { type TestServer, startNatsServer } from './nats-server.js';

/**
 * Faults of a run over NATS, each ending where the run without the fault ends, bit for
 * bit: a worker killed mid-step, the server restarted mid-run, the server gone past the
 * deadline (the run stops with a checkpoint and resumes), the coordinator killed (resumed
 * from its checkpoint).
 */

let csv: string;
before(async () => {
  csv = await classificationCsv();
});

const tmp = () => mkdtemp(join(tmpdir(), 'forwardprop-faults-'));

/** Calls `act` when the `n`-th task of `run` is first published (a plain subscriber sees every attempt; it answers none). */
function onTask(nc: NatsConnection, run: string, n: number, act: () => void): void {
  const ids = new Set<string>();
  const spy = nc.subscribe(runNames(run).tasks, {
    callback: (_e, msg) => {
      ids.add(decode(taskSchema, msg.data, 'task').id);
      if (ids.size === n) {
        spy.unsubscribe();
        act();
      }
    },
  });
}

let shared: TestServer;
before(async () => {
  shared = await startNatsServer();
});
after(() => shared.stop());

test('a worker killed (SIGKILL) mid-step: its unanswered tasks are re-issued to a worker that joins late and catches up from the update records; the run ends bit for bit where the single-process run does', async () => {
  const config = spsaConfig(csv);
  const [alone, distributed] = [await tmp(), await tmp()];
  await train(config, { out: alone });
  const run = 'killed-worker';
  const nc = await natsConnect({ servers: shared.url });
  await RunChannel.create(nc, run);
  const doomed = cli(['worker', '--nats', shared.url, '--run', run, '--name', 'doomed'], "joined run 'killed-worker'");
  await doomed.ready;
  let late: Promise<Awaited<ReturnType<typeof startWorker>>> | undefined;
  // The 20th task (step 5 of 16) goes to the only worker, which dies with it and the step's other tasks.
  onTask(nc, run, 20, () => {
    doomed.child.kill('SIGKILL');
    late = startWorker(shared.url, run, 'late');
  });
  try {
    // Long enough for the worker process's first task (its session, data and programs) on a busy machine.
    const { stats } = await trainOverNats(config, { out: distributed }, { nc, run, timeout: 4000 });
    const { signal, output } = await doomed.exit;
    assert.equal(signal, 'SIGKILL', output);
    assert.equal(await checkpointBits(distributed), await checkpointBits(alone));
    assert.ok(stats!.timeouts >= 1, `a task was lost with the worker (${stats!.timeouts} timeouts)`);
    assert.ok(stats!.workers.doomed! > 0 && stats!.workers.late! > 0, `both workers answered: ${JSON.stringify(stats!.workers)}; the killed one said:\n${output}`);
    assert.equal(stats!.fallback, 0);
    assert.equal(stats!.dense, 0, 'the late worker caught up from the update records');
  } finally {
    doomed.child.kill('SIGKILL');
    await (await late)?.stop();
    await nc.close();
  }
});

test('nats-server restarted mid-run: coordinator and workers reconnect, lost tasks are re-issued, and the run ends bit for bit where the single-process run does', async () => {
  const server = await startNatsServer();
  const config = spsaConfig(csv);
  const [alone, distributed] = [await tmp(), await tmp()];
  await train(config, { out: alone });
  const run = 'restarted';
  const nc = await natsConnect({ servers: server.url });
  const coordinated = trainOverNats(config, { out: distributed }, { nc, run, timeout: 1000 });
  const workers = await Promise.all([startWorker(server.url, run, 'a'), startWorker(server.url, run, 'b')]);
  let restarted: Promise<void> | undefined;
  onTask(nc, run, 20, () => (restarted = server.restart(200)));
  try {
    const { stats } = await coordinated;
    assert.ok(restarted, 'the server was restarted during the run');
    await restarted;
    assert.equal(await checkpointBits(distributed), await checkpointBits(alone));
    assert.ok(stats!.attempts > stats!.tasks, `tasks were re-issued (${stats!.attempts} attempts for ${stats!.tasks} tasks)`);
    assert.equal(stats!.fallback, 0);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await nc.close();
    await server.stop();
  }
});

test('nats-server gone past the deadline: the step is evaluated here, the run stops with a checkpoint, and resuming it over NATS ends bit for bit where the single-process run does', async () => {
  const server = await startNatsServer();
  const config = spsaConfig(csv);
  const [alone, distributed] = [await tmp(), await tmp()];
  const whole = await train(config, { out: alone });
  const run = 'outage';
  const nc = await natsConnect({ servers: server.url });
  const stop = new AbortController();
  let lost: string | undefined;
  const onLost = (reason: string) => {
    lost = reason;
    stop.abort();
  };
  const coordinated = trainOverNats(config, { out: distributed, signal: stop.signal }, { nc, run, timeout: 300, deadline: 1000, onLost });
  const workers = await Promise.all([startWorker(server.url, run, 'a'), startWorker(server.url, run, 'b')]);
  let restarted: Promise<void> | undefined;
  onTask(nc, run, 20, () => (restarted = server.restart(2500)));
  try {
    const first = await coordinated;
    assert.equal(first.summary.stopped, 'interrupted');
    assert.match(lost ?? '', /no worker of run outage answered task .* within 1 s/);
    assert.equal(first.stats!.fallback, 1, 'one request evaluated here, then the run stopped');
    const paused = await loadCheckpoint(join(distributed, CHECKPOINT_FILE));
    assert.ok(paused.progress.step === first.summary.steps && paused.progress.step < whole.steps, `stopped mid-run at step ${paused.progress.step} of ${whole.steps}`);
    await restarted;
    const resumed = await trainOverNats(config, { out: distributed, resume: true }, { nc, run, timeout: 1000 });
    assert.equal(resumed.summary.stopped, 'epochs');
    assert.equal(resumed.stats!.fallback, 0);
    assert.equal(await checkpointBits(distributed), await checkpointBits(alone));
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await nc.close();
    await server.stop();
  }
});

test('the coordinator killed (SIGKILL) after its first checkpoint: `--resume` over NATS with the same workers ends bit for bit where the uninterrupted run does', async () => {
  const run = 'killed-coordinator';
  const [killed, alone] = [await tmp(), await tmp()];
  const nc = await natsConnect({ servers: shared.url });
  await RunChannel.create(nc, run);
  const workers = await Promise.all([startWorker(shared.url, run, 'a'), startWorker(shared.url, run, 'b')]);
  try {
    const args = ['train', '--dataset', `csv:${csv}`, '--model', 'mlp:8-16-3', '--method', 'spsa', '--directions', '8', '--directions-per-call', '2', '--epochs', '8', '--batch-size', '16', '--optimizer', 'sgd', '--lr', '0.05', '--eval-batch-size', '200', '--json'];
    // Killed once epoch 2 is evaluated: epoch 1's checkpoint is written by then.
    const coordinator = cli([...args, '--nats', shared.url, '--run', run, '--nats-timeout', '1', '--out', killed], '"epoch":2');
    await coordinator.ready;
    coordinator.child.kill('SIGKILL');
    const { signal, output } = await coordinator.exit;
    assert.equal(signal, 'SIGKILL', output);
    const saved = await loadCheckpoint(join(killed, CHECKPOINT_FILE));
    const config = saved.config as unknown as TrainConfig;
    const { progress } = saved;
    assert.ok(progress.epoch >= 1 && progress.epoch < 8, `killed mid-run (checkpoint at epoch ${progress.epoch})`);
    await train(config, { out: alone });
    const resumed = await trainOverNats(config, { out: killed, resume: true }, { nc, run, timeout: 1000 });
    assert.equal(resumed.summary.stopped, 'epochs');
    assert.equal(resumed.stats!.fallback, 0);
    assert.equal(await checkpointBits(killed), await checkpointBits(alone));
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await nc.close();
  }
});
