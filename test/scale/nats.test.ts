import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { train } from '../../src/train/trainer.js';
import { trainOverNats } from '../../src/scale/nats-train.js';
import { natsConnect } from '../../src/scale/nats-node.js';
import { type TestServer, startNatsServer } from './nats-server.js';
import { checkpointBits, classificationCsv, spsaConfig, startWorker } from './fixtures.js';

let server: TestServer;
let csv: string;

before(async () => {
  [server, csv] = await Promise.all([startNatsServer(), classificationCsv()]);
});
after(() => server.stop());

const tmp = () => mkdtemp(join(tmpdir(), 'forwardprop-nats-run-'));

for (const optimizer of ['sgd', 'adam'] as const) {
  test(`training over NATS with two workers takes the single-process steps bit for bit (${optimizer}, θ replayed from keys and weights)`, async () => {
    const config = spsaConfig(csv, { optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01 });
    const [alone, distributed] = [await tmp(), await tmp()];
    // The one-process run a NATS run equals: one intra-op thread, the workers' (coordinatorConfig).
    const expected = await train({ ...config, threads: 1 }, { out: alone });
    const run = `replay-${optimizer}`;
    const nc = await natsConnect({ servers: server.url });
    const coordinated = trainOverNats(config, { out: distributed }, { nc, run, timeout: 5000 });
    const workers = await Promise.all([startWorker(server.url, run, 'a'), startWorker(server.url, run, 'b')]);
    try {
      const { summary, stats } = await coordinated;
      assert.equal(await checkpointBits(distributed), await checkpointBits(alone), 'θ after the run');
      assert.deepEqual({ ...summary, wall_s: 0, eval_s: 0, peak_rss_mb: 0 }, { ...expected, wall_s: 0, eval_s: 0, peak_rss_mb: 0 });
      assert.equal(stats!.replayed_updates, summary.steps, 'every update replayed');
      assert.equal(stats!.dense, 0, 'no dense snapshot');
      assert.equal(stats!.fallback, 0);
      for (const { worker } of workers) assert.ok(worker.stats.answered > 0, `worker ${worker.channel.names.run} answered`);
      assert.equal(workers[0]!.worker.stats.answered + workers[1]!.worker.stats.answered, stats!.tasks);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await nc.close();
    }
  });
}
