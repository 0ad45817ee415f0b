import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeStaleTemps, writeFileAtomic } from '../../src/io/atomic-write.js';
import { FileError } from '../../src/io/file-error.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SIZE = 8 << 20;
const temps = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.fp-tmp'));

/** Generation `gen` of the target: its number in the first 4 bytes, then bytes gen mod 256, so a mix of two generations shows. */
function generation(gen: number): Uint8Array {
  const data = new Uint8Array(SIZE).fill(gen % 256);
  new DataView(data.buffer).setUint32(0, gen);
  return data;
}

/** The generation a file holds, or a failure when it is not exactly one complete generation. */
function generationOf(bytes: Uint8Array): number {
  assert.equal(bytes.length, SIZE, 'the target has the full size of one generation');
  const gen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  const bad = bytes.findIndex((b, i) => i >= 4 && b !== gen % 256);
  assert.equal(bad, -1, `byte ${bad} of generation ${gen} is from another write`);
  return gen;
}

/** A node process that rewrites `target` through writeFileAtomic in a loop, printing each generation it completes. */
function writer(target: string): ChildProcess {
  const module = new URL('../../src/io/atomic-write.js', import.meta.url).href;
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(module)};
    const size = ${SIZE};
    for (let gen = 1; ; gen++) {
      const data = new Uint8Array(size).fill(gen % 256);
      new DataView(data.buffer).setUint32(0, gen);
      await writeFileAtomic(process.argv[1], data);
      process.stdout.write(gen + '\\n');
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test('SIGKILL mid-write leaves the old or the new file whole, and removeStaleTemps clears the debris', { timeout: 120_000 }, async () => {
  let debris = 0;
  for (let attempt = 0; attempt < 5 && debris === 0; attempt++) {
    const dir = join(root, `kill-${attempt}`);
    mkdirSync(dir);
    const target = join(dir, 'checkpoint.fpck');
    writeFileSync(target, generation(0));
    const child = writer(target);
    let completed = 0;
    child.stdout!.on('data', (chunk: Buffer) => (completed = Math.max(completed, ...chunk.toString().trim().split('\n').map(Number))));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill during a write, after at least one has completed: a temporary file is there and the target is not generation 0.
    await until(() => completed >= 1 + attempt && temps(dir).length > 0, 'a write in progress');
    child.kill('SIGKILL');
    await exited;
    const gen = generationOf(readFileSync(target));
    assert.ok(gen >= completed && gen <= completed + 1, `target holds generation ${gen}, the writer had completed ${completed}`);
    const left = temps(dir);
    debris += left.length;
    assert.ok(left.every((name) => new RegExp(`^checkpoint\\.fpck\\.${child.pid}-[0-9a-f]{12}\\.fp-tmp$`).test(name)), `temporary names: ${left.join(', ')}`);
    assert.deepEqual(await removeStaleTemps(target), left.map((name) => join(dir, name)));
    assert.deepEqual(temps(dir), []);
    assert.equal(generationOf(readFileSync(target)), gen, 'cleaning never touches the target');
  }
  assert.ok(debris > 0, 'in five kills no write was caught in progress');
});

test('removeStaleTemps keeps the temporary files of live writers and of this process’s writes in flight', { timeout: 60_000 }, async () => {
  const dir = join(root, 'live');
  mkdirSync(dir);
  const target = join(dir, 'metrics.json');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => sleeper.once('exit', resolve));
  const live = join(dir, `metrics.json.${sleeper.pid}-0123456789ab.fp-tmp`);
  const ours = join(dir, `metrics.json.${process.pid}-0123456789ab.fp-tmp`);
  const legacy = join(dir, 'metrics.json.0123456789ab.tmp');
  const unrelated = ['metrics.json.bak', 'metrics.jsonx.1-0123456789ab.fp-tmp', 'other.json.1-0123456789ab.fp-tmp', 'metrics.json.1-0123456789AB.fp-tmp', 'metrics.json.12-0123.fp-tmp'];
  for (const file of [live, ours, legacy, ...unrelated.map((name) => join(dir, name))]) writeFileSync(file, 'partial');
  try {
    assert.deepEqual(await removeStaleTemps(target), [legacy, ours].sort(), 'a temporary file of this pid that no write owns is stale');
    assert.deepEqual(readdirSync(dir).sort(), [`metrics.json.${sleeper.pid}-0123456789ab.fp-tmp`, ...unrelated].sort());
  } finally {
    sleeper.kill('SIGKILL');
  }
  await exited;
  assert.deepEqual(await removeStaleTemps(target), [live], 'once its writer is gone the file is stale');

  // A write of this process in flight keeps its temporary file.
  const pending = writeFileAtomic(target, new Uint8Array(64 << 20));
  await until(() => temps(dir).some((name) => name.startsWith(`metrics.json.${process.pid}-`)), 'the temporary file of the write');
  assert.deepEqual(await removeStaleTemps(target), []);
  await pending;
  assert.equal(readFileSync(target).length, 64 << 20);
  assert.deepEqual(await removeStaleTemps(join(root, 'no-such-dir', 'x')), [], 'a missing directory has nothing stale');
});

test('a failed write names the target and what it is, and leaves no temporary file', async () => {
  const dir = join(root, 'fail');
  mkdirSync(join(dir, 'checkpoint.fpck'), { recursive: true });
  await assert.rejects(writeFileAtomic(join(dir, 'checkpoint.fpck'), 'data', 'checkpoint'), (e: unknown) => {
    assert.ok(e instanceof FileError);
    assert.equal(e.message, `cannot write checkpoint ${join(dir, 'checkpoint.fpck')}: it is a directory`);
    assert.equal(e.code, 'EISDIR');
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['checkpoint.fpck']);
  writeFileSync(join(dir, 'file'), '');
  await assert.rejects(writeFileAtomic(join(dir, 'file', 'summary.json'), '{}'), { name: 'Error', message: new RegExp(`^cannot write file ${join(dir, 'file', 'summary.json')}: `) });
  await writeFileAtomic(join(dir, 'new', 'deep', 'x.json'), '{"a":1}');
  assert.equal(readFileSync(join(dir, 'new', 'deep', 'x.json'), 'utf8'), '{"a":1}', 'missing parents are created');
});
