import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./sessions-child.js', import.meta.url));

function run(count: number): Promise<{ peakMb: number; live: number }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [child, String(count)], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout) as { peakMb: number; live: number }))),
  );
}

test('programs release their sessions: 80 distinct models built and disposed in one process stay within 1.3× the memory of one', async () => {
  const one = await run(1);
  const many = await run(80);
  assert.equal(many.live, 0, 'every session was released');
  assert.ok(many.peakMb <= 1.3 * one.peakMb, `80 models: ${many.peakMb.toFixed(0)} MB peak vs one model: ${one.peakMb.toFixed(0)} MB`);
});
