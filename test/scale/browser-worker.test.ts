import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type PreviewServer, build, preview } from 'vite';
import { launchChromium, watchedPage } from '../browser/chromium.js';
import { type TestServer, startNatsServer } from './nats-server.js';
import { runNames } from '../../src/scale/channel.js';
import { type Task, decode, taskSchema } from '../../src/scale/messages.js';
import { natsConnect } from '../../src/scale/nats-node.js';
import type { WorkerStats } from '../../src/scale/nats-worker.js';
import { trainOverNats } from '../../src/scale/nats-train.js';
import { train } from '../../src/train/trainer.js';
import { checkpointBits, classificationCsv, cli, spsaConfig, startWorker } from './fixtures.js';

/**
 * Browser workers end to end: the worker page as `npm run worker-page` builds it (Vite),
 * in the system Chromium, joined over WebSocket to a local nats-server, answering the
 * tasks of a `forwardprop train --nats` coordinator that runs onnxruntime-web (a Node
 * process under the "browser" condition), on a server that wants a token. The oracle is
 * the same command without --nats on the same runtime; a worker of another runtime (this
 * process's onnxruntime-node) joins the run too and must be refused, leave, and come back
 * for a later session of the run on its runtime.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const configFile = join(root, 'examples/worker-page/vite.config.ts');
const main = join(root, 'dist/src/cli/main.js');
/** The server wants a token: the tab must be given it in its form. */
const TOKEN = 'w3b-token';

let server: TestServer;
let csv: string;
let outDir: string;
let page: PreviewServer;
/** spsa on an 8-16-3 MLP: 6 steps of 4 tasks. */
let flags: string[];
/** The oracle: the run without --nats on onnxruntime-web, in `alone`. */
let alone: string;
let reference: Promise<Record<string, unknown>[]>;

before(async () => {
  [outDir, alone] = await Promise.all([mkdtemp(join(tmpdir(), 'forwardprop-worker-page-')), mkdtemp(join(tmpdir(), 'forwardprop-web-'))]);
  [server, csv] = await Promise.all([startNatsServer({ websocket: true, token: TOKEN }), classificationCsv(), build({ configFile, logLevel: 'error', build: { outDir } })]);
  flags = ['--dataset', `csv:${csv}`, '--model', 'mlp:8-16-3', '--method', 'spsa', '--directions', '8', '--directions-per-call', '2', '--epochs', '1', '--batch-size', '16', '--optimizer', 'sgd', '--lr', '0.05', '--eval-batch-size', '200', '--json'];
  reference = webCli(['train', ...flags, '--out', alone]);
  page = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { port: 0 } });
});
after(async () => {
  await page?.close();
  await server?.stop();
  await reference?.catch(() => undefined);
  await Promise.all([rm(outDir, { recursive: true, force: true }), rm(alone, { recursive: true, force: true })]);
});

/** A run's summary line with its times zeroed (the rest must agree field for field). */
const summary = (lines: Record<string, unknown>[]) => ({ ...lines.at(-1), wall_s: 0, eval_s: 0, peak_rss_mb: 0 });

/** `forwardprop <args>` on onnxruntime-web (Node under the "browser" condition); its stdout as JSON lines. */
function webCli(args: readonly string[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--conditions=browser', main, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`forwardprop ${args[0]} failed: ${stderr || error.message}`)) : resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)),
    ),
  );
}

test('a browser tab trains over NATS WebSocket with onnxruntime-web: θ bit for bit as one onnxruntime-web process; a worker of another runtime is refused and leaves until a session on its runtime', { timeout: 90_000 }, async () => {
  const distributed = await mkdtemp(join(tmpdir(), 'forwardprop-web-'));
  // A first task waits for the tab to compile onnxruntime-web's WebAssembly: a generous timeout keeps it to one attempt.
  const coordinated = webCli(['train', ...flags, '--out', distributed, '--nats', server.url, '--nats-token', TOKEN, '--run', 'browser', '--nats-timeout', '30']);
  const lines: string[] = [];
  const native = await startWorker(server.url, 'browser', 'node', { token: TOKEN, log: (line) => lines.push(line) });
  const browser = await launchChromium();
  try {
    const tab = await watchedPage(browser, (url) => url.startsWith('http://127.0.0.1:'));
    // The URL fills the form and joins at once, without the token: refused; typed into the form, it joins.
    await tab.page.goto(`${page.resolvedUrls!.local[0]}?nats=${encodeURIComponent(server.wsUrl!)}&run=browser&name=tab`);
    await tab.page.waitForFunction(() => document.body.dataset.state === 'failed', undefined, { timeout: 10_000 });
    assert.match((await tab.page.textContent('#state'))!, new RegExp(`^cannot connect to the NATS server at ${server.wsUrl!.replace(/[.:/]/g, '\\$&')}`));
    await tab.page.fill('#token', TOKEN);
    await tab.page.click('#start');
    const [expected, got] = await Promise.all([reference, coordinated]);
    assert.equal(await checkpointBits(distributed), await checkpointBits(alone), 'θ after the run');
    assert.deepEqual(summary(got), summary(expected), 'the summary, field for field (times apart)');

    const coordinator = got.find((line) => 'coordinator' in line)!.coordinator as { tasks: number; refused: Record<string, number>; workers: Record<string, number>; fallback: number; replayed_updates: number; dense_updates: number };
    assert.deepEqual(coordinator.workers, { tab: coordinator.tasks }, 'every part answered by the tab');
    assert.equal(coordinator.fallback, 0, 'nothing evaluated by the coordinator');
    assert.equal(coordinator.replayed_updates, (expected.at(-1) as { steps: number }).steps, 'θ replayed in the tab from keys and weights');
    assert.equal(coordinator.dense_updates, 0);
    assert.ok((coordinator.refused.runtime ?? 0) > 0, `the coordinator saw runtime refusals: ${JSON.stringify(coordinator.refused)}`);
    assert.equal(native.worker.stats.answered, 0, 'the onnxruntime-node worker answered nothing');
    assert.equal(native.worker.stats.refused.runtime, coordinator.refused.runtime, 'each of its refusals counted on both sides');
    assert.ok(lines.some((line) => line.includes('refused a task (runtime): the run evaluates with onnxruntime-web, this worker with onnxruntime-node')), lines.join('\n'));

    await tab.page.waitForFunction((n) => Number(document.getElementById('answered')!.textContent) >= n, coordinator.tasks, { timeout: 5000 });
    assert.equal(await tab.page.evaluate(() => document.body.dataset.state), 'joined');
    assert.ok(lines.some((line) => line.startsWith('left the queue group (the run evaluates with onnxruntime-web')), 'the onnxruntime-node worker left the queue group');

    // The other way round: a session of the run on onnxruntime-node (this process). The
    // onnxruntime-node worker joins again and answers it; the tab is refused and leaves.
    const config = spsaConfig(csv, { epochs: 1 });
    const [nodeAlone, nodeRun] = [await mkdtemp(join(tmpdir(), 'forwardprop-web-')), await mkdtemp(join(tmpdir(), 'forwardprop-web-'))];
    const nc = await natsConnect({ servers: server.url, token: TOKEN });
    try {
      await train(config, { out: nodeAlone });
      const { stats } = await trainOverNats(config, { out: nodeRun }, { nc, run: 'browser', timeout: 30_000 });
      assert.equal(await checkpointBits(nodeRun), await checkpointBits(nodeAlone), 'θ after the onnxruntime-node session');
      assert.deepEqual(stats!.workers, { node: stats!.tasks }, 'every part answered by the onnxruntime-node worker');
      assert.ok(lines.some((line) => line.startsWith('rejoined the queue group')), lines.join('\n'));
      assert.match((await tab.page.textContent('#log'))!, /left the queue group \(the run evaluates with onnxruntime-node, this worker with onnxruntime-web\)/);
    } finally {
      await nc.close();
      await Promise.all([rm(nodeAlone, { recursive: true, force: true }), rm(nodeRun, { recursive: true, force: true })]);
    }
    assert.deepEqual(tab.errors, [], 'no errors in the tab');
    assert.deepEqual(tab.refused, [], 'the tab loads nothing from elsewhere');
  } finally {
    await browser.close();
    await native.stop();
    await rm(distributed, { recursive: true, force: true });
  }
});

/** The tasks in a frame of NATS protocol the server sent: its `MSG <subject> …` lines whose payload the frame holds whole. */
function tasksIn(frame: Buffer, subject: string): Task[] {
  const text = frame.toString('latin1');
  const tasks: Task[] = [];
  for (let at = text.indexOf(`MSG ${subject} `); at >= 0; at = text.indexOf(`MSG ${subject} `, at + 1)) {
    const end = text.indexOf('\r\n', at);
    // HMSG (a message with headers) is not a task; a header cut off by the frame's end neither.
    if ((at > 0 && text[at - 1] !== '\n') || end < 0) continue;
    const size = Number(text.slice(at, end).split(' ').at(-1));
    const payload = frame.subarray(end + 2, end + 2 + size);
    if (payload.length === size) tasks.push(decode(taskSchema, payload, 'task'));
  }
  return tasks;
}

test('a tab closed mid-run with a task in hand: the task times out and is re-issued, an onnxruntime-web Node worker that joins afterwards finishes the run, and θ is bit for bit the single onnxruntime-web process\'s', { timeout: 90_000 }, async () => {
  const run = 'tab-closed';
  const { tasks: subject } = runNames(run);
  const distributed = await mkdtemp(join(tmpdir(), 'forwardprop-web-'));
  // Short: the lost task waits this long before it is re-issued.
  const coordinated = webCli(['train', ...flags, '--out', distributed, '--nats', server.url, '--nats-token', TOKEN, '--run', run, '--nats-timeout', '3']);
  const nc = await natsConnect({ servers: server.url, token: TOKEN });
  const browser = await launchChromium();
  let late: ReturnType<typeof cli> | undefined;
  try {
    const tab = await watchedPage(browser, (url) => url.startsWith('http://127.0.0.1:'));
    // The tab's WebSocket runs through the test: frames pass both ways untouched until the
    // tab has been sent a task of step 3 (steps 1 and 2 answered by the tab, the only
    // worker). That frame never reaches the tab, and the tab is closed: the server counts the
    // task as delivered, so only the coordinator's timeout gets it re-issued.
    const seen = new Set<string>();
    let dropped: Task | undefined;
    let closed: Promise<void> | undefined;
    const reissued = new Promise<number>((resolve) => {
      // A plain subscriber sees every attempt; it leaves once the dropped task is published again
      // (while it listens, an attempt that no worker takes waits out its timeout instead of failing at once).
      const spy = nc.subscribe(subject, {
        callback: (_e, msg) => {
          const task = decode(taskSchema, msg.data, 'task');
          if (dropped && task.id === dropped.id && task.attempt > dropped.attempt) {
            spy.unsubscribe();
            resolve(task.attempt);
          }
        },
      });
    });
    await tab.page.routeWebSocket(server.wsUrl!, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((frame) => upstream.send(frame));
      upstream.onMessage((frame) => {
        if (dropped === undefined) {
          const tasks = tasksIn(Buffer.from(frame), subject);
          for (const task of tasks) seen.add(task.id);
          if (seen.size > 8 && tasks.length > 0) {
            dropped = tasks[0];
            closed = tab.page.close();
            late = cli(['worker', '--nats', server.url, '--nats-token', TOKEN, '--run', run, '--name', 'node-web', '--json'], `joined run '${run}'`, { conditions: ['browser'] });
            // Awaited after the run; a worker that ends early fails the test there.
            late.ready.catch(() => undefined);
            return;
          }
        }
        ws.send(frame);
      });
    });
    await tab.page.goto(`${page.resolvedUrls!.local[0]}?run=${run}&name=tab`);
    await tab.page.fill('#nats', server.wsUrl!);
    await tab.page.fill('#token', TOKEN);
    await tab.page.click('#start');
    const [expected, got] = await Promise.all([reference, coordinated]);
    await closed;
    assert.ok(dropped, 'the tab was closed during the run');
    assert.equal(await checkpointBits(distributed), await checkpointBits(alone), 'θ after the run');
    assert.deepEqual(summary(got), summary(expected), 'the summary, field for field (times apart)');

    const coordinator = got.find((line) => 'coordinator' in line)!.coordinator as { tasks: number; timeouts: number; workers: Record<string, number>; fallback: number; replayed_updates: number; dense_updates: number };
    assert.ok(coordinator.timeouts >= 1, `the task lost with the tab timed out (${coordinator.timeouts} timeouts)`);
    assert.ok((await reissued) > dropped.attempt, `task ${dropped.id} re-issued after attempt ${dropped.attempt}`);
    const { tab: byTab = 0, 'node-web': byNode = 0 } = coordinator.workers;
    assert.ok(byTab >= 8 && byNode > 0 && byTab + byNode === coordinator.tasks, `parts of steps 1 and 2 by the tab, the rest by the Node worker: ${JSON.stringify(coordinator.workers)} of ${coordinator.tasks}`);
    assert.equal(coordinator.fallback, 0, 'nothing evaluated by the coordinator');
    assert.equal(coordinator.replayed_updates, (expected.at(-1) as { steps: number }).steps, 'θ replayed from keys and weights');
    assert.equal(coordinator.dense_updates, 0, 'the late worker caught up from the update records');

    await late!.ready;
    late!.child.kill('SIGTERM');
    const { code, output } = await late!.exit;
    assert.equal(code, 0, output);
    const stats = JSON.parse(output.split('\n').find((line) => line.startsWith('{'))!) as WorkerStats;
    assert.ok(stats.answered >= byNode, `the Node worker answered the ${byNode} parts counted as its (${stats.answered})`);
    assert.deepEqual(tab.errors, [], 'no errors in the tab');
  } finally {
    late?.child.kill('SIGKILL');
    await browser.close();
    await nc.close();
    await rm(distributed, { recursive: true, force: true });
  }
});
