import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { loadCsv } from '../../src/data/csv.js';
import { readIdx } from '../../src/data/idx.js';
import { FileError, readRegularFile, withFileContext } from '../../src/io/file-error.js';
import { statIfExists } from '../../src/io/stat-if-exists.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-file-error-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a failed fs call says what was being done to which path, in words, and keeps Node’s error', async () => {
  const dir = join(root, 'a-directory');
  mkdirSync(dir);
  await assert.rejects(
    withFileContext('read settings', dir, () => readFile(dir)),
    (e: unknown) => {
      assert.ok(e instanceof FileError && e instanceof Error);
      assert.equal(e.message, `cannot read settings ${dir}: it is a directory`);
      assert.equal(e.code, 'EISDIR');
      assert.equal(e.syscall, 'read');
      assert.equal(e.path, dir);
      assert.match(String((e.cause as Error).message), /^EISDIR: illegal operation on a directory/);
      return true;
    },
  );
  assert.equal(await withFileContext('read', dir, async () => 42), 42);
  const unknown = FileError.from('open', '/x', Object.assign(new Error('ESOMETHING: odd failure'), { code: 'ESOMETHING' }));
  assert.equal(unknown.message, 'cannot open /x: ESOMETHING: odd failure', 'a code without a plain-language reason keeps Node’s message');
});

test('readRegularFile refuses directories, pipes and devices before opening them, and missing files by name', async () => {
  const fifo = join(root, 'pipe');
  execFileSync('mkfifo', [fifo]);
  // Opening a named pipe for reading would block until a writer comes: it must fail at once instead.
  await assert.rejects(readRegularFile(fifo, 'CSV file'), { name: 'Error', message: `cannot read CSV file ${fifo}: it is not a regular file but a named pipe` });
  await assert.rejects(readRegularFile('/dev/null', 'IDX file'), { message: 'cannot read IDX file /dev/null: it is not a regular file but a device' });
  await assert.rejects(readRegularFile(root, 'checkpoint'), { message: `cannot read checkpoint ${root}: it is a directory`, code: 'EISDIR' });
  await assert.rejects(readRegularFile(join(root, 'none'), 'checkpoint'), { message: `cannot read checkpoint ${join(root, 'none')}: no such file or directory`, code: 'ENOENT' });
  const file = join(root, 'file');
  writeFileSync(file, 'abc');
  assert.equal((await readRegularFile(file, 'text')).toString(), 'abc');
  await assert.rejects(readRegularFile(join(file, 'below'), 'text'), { message: `cannot read text ${join(file, 'below')}: a component of the path is not a directory` });
});

test('every reader names the path and its kind of file when the path is a directory', async () => {
  const dir = join(root, 'dir.bin');
  mkdirSync(dir);
  await assert.rejects(loadCsv(dir), { name: 'Error', message: `cannot read CSV file ${dir}: it is a directory` });
  await assert.rejects(readIdx(dir, 1), { name: 'Error', message: `cannot read IDX file ${dir}: it is a directory` });
  await assert.rejects(loadCheckpoint(dir), { name: 'Error', message: `cannot read checkpoint ${dir}: it is a directory` });
  const cifar = join(root, 'cifar');
  mkdirSync(join(cifar, 'data_batch_1.bin'), { recursive: true });
  await assert.rejects(loadCifar10(cifar), { name: 'Error', message: `cannot read CIFAR-10 batch ${join(cifar, 'data_batch_1.bin')}: it is a directory` });
});

test('statIfExists is undefined for nothing there and names the path for other failures', async () => {
  assert.equal(await statIfExists(join(root, 'absent')), undefined);
  const file = join(root, 'plain');
  writeFileSync(file, '');
  assert.equal(await statIfExists(join(file, 'child')), undefined, 'a path through a file leads nowhere');
  assert.ok((await statIfExists(file))?.isFile());
  const loop = join(root, 'loop');
  symlinkSync(loop, loop);
  await assert.rejects(statIfExists(loop), { name: 'Error', message: `cannot inspect ${loop}: too many levels of symbolic links`, code: 'ELOOP' });
});
