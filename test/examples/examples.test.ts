import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('the README library example trains an MLP forward-only', async () => {
  const script = fileURLToPath(new URL('../../examples/train-fg-a.js', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script, '1'], { timeout: 120_000 }, (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out))),
  );
  const accuracy = Number(/^epoch 1: test accuracy ([\d.]+)%$/m.exec(stdout)?.[1]);
  assert.ok(accuracy > 70, `one epoch reached ${accuracy}%`);
});

test('the README engine example: the directional derivative equals <gradient, dw>', async () => {
  const script = fileURLToPath(new URL('../../examples/engine.js', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script], (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out))),
  );
  const match = /^loss (\S+), directional derivative (\S+), gradient \[(.*)\]$/m.exec(stdout);
  assert.ok(match, stdout);
  const g = match[3]!.split(',').map(Number);
  // dw selects w[0,0] and w[2,1]
  assert.ok(Math.abs(Number(match[2]) - (g[0]! + g[5]!)) < 1e-5, stdout);
});

test('the hardware-in-the-loop example trains a noisy, varied, high-latency device with MGD through its cost alone', async () => {
  const script = fileURLToPath(new URL('../../examples/mgd-hardware.js', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script, '2000', '0.1'], { timeout: 120_000 }, (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out))),
  );
  const match = /^done: test accuracy ([\d.]+) after 2000 steps/m.exec(stdout);
  assert.ok(match, stdout);
  assert.ok(Number(match[1]) >= 0.85, stdout);
  assert.match(stdout, /^step 500: test accuracy [\d.]+, 10000 cost readings$/m, 'two cost readings per example and step (θ and θ + θ̃)');
});
