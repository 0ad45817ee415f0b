import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CIFAR10_CLASSES, CIFAR10_DIR, CIFAR10_FILES, loadCifar10 } from '../../src/data/cifar10.js';
import { loadDataset } from '../../src/data/load.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-cifar10-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SOURCE =
  'CIFAR-10 comes from https://www.cs.toronto.edu/~kriz/cifar.html: download the "CIFAR-10 binary version" ' +
  '(cifar-10-binary.tar.gz), extract the .tar.gz and give its cifar-10-batches-bin directory or the directory holding it';
const FILES = [...CIFAR10_FILES.train, ...CIFAR10_FILES.test];

/** Pixel (c, r, k) of fixture example n is (n + 80c + 3r + k) mod 256, so 0 and 255 both occur. */
function pixel(n: number, c: number, r: number, k: number): number {
  return (n + 80 * c + 3 * r + k) % 256;
}
function label(n: number): number {
  return (3 * n + 1) % 10;
}

/** `count` records from example `first` on: a label byte, then the red, green and blue planes, row by row. */
function batch(first: number, count = 3): Buffer {
  const bytes: number[] = [];
  for (let n = first; n < first + count; n++) {
    bytes.push(label(n));
    for (let c = 0; c < 3; c++) for (let r = 0; r < 32; r++) for (let k = 0; k < 32; k++) bytes.push(pixel(n, c, r, k));
  }
  return Buffer.from(bytes);
}

let dirs = 0;
/**
 * A cifar-10-batches-bin with 3 records per file, examples numbered 0..14 (train) and 15..17
 * (test); `files` replaces or (with null) omits some, `meta` writes batches.meta.txt, and
 * `nested` puts it all in a cifar-10-batches-bin subdirectory of the directory returned.
 */
function fixture(options: { files?: Record<string, Buffer | null>; meta?: string; nested?: boolean } = {}): string {
  const dir = join(root, `d${dirs++}`);
  const data = options.nested ? join(dir, CIFAR10_DIR) : dir;
  mkdirSync(data, { recursive: true });
  FILES.forEach((base, f) => {
    const content = options.files && base in options.files ? options.files[base] : batch(3 * f);
    if (content) writeFileSync(join(data, base), content);
  });
  if (options.meta !== undefined) writeFileSync(join(data, 'batches.meta.txt'), options.meta);
  return dir;
}

test('loadCifar10 reads the five train batches and the test batch as [3, 32, 32] images in [0, 1]', async () => {
  const { train, test: held } = await loadCifar10(fixture());
  assert.equal(train.name, 'cifar10/train');
  assert.equal(held.name, 'cifar10/test');
  assert.equal(train.size, 15);
  assert.equal(held.size, 3);
  for (const d of [train, held]) {
    assert.deepEqual(d.inputShape, [3, 32, 32]);
    assert.equal(d.classes, 10);
    assert.deepEqual(d.classNames, CIFAR10_CLASSES);
    assert.equal(d.x.length, d.size * 3072);
  }
  assert.deepEqual(Array.from(train.y), [1, 4, 7, 0, 3, 6, 9, 2, 5, 8, 1, 4, 7, 0, 3]);
  assert.deepEqual(Array.from(held.y), [6, 9, 2]);
  // Channel-major: pixel (c, r, k) of example i is x[i·3072 + c·1024 + r·32 + k], scaled byte/255.
  for (const [d, first] of [[train, 0], [held, 15]] as const) {
    for (let i = 0; i < d.size; i++) {
      for (let c = 0; c < 3; c++) {
        for (let r = 0; r < 32; r++) {
          for (let k = 0; k < 32; k++) {
            const got = d.x[i * 3072 + c * 1024 + r * 32 + k];
            if (got !== Math.fround(pixel(first + i, c, r, k) / 255)) assert.fail(`${d.name} example ${i}, channel ${c}, row ${r}, col ${k}: got ${got}`);
          }
        }
      }
    }
  }
  assert.equal(train.x[0], 0);
  assert.equal(train.x[2 * 1024 + 31 * 32 + 2], 1, 'byte 255 is 1');
  assert.equal(held.x[1], Math.fround(16 / 255));
});

test('class names come from batches.meta.txt when it is there', async () => {
  const names = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'lorry'];
  const { train, test: held } = await loadCifar10(fixture({ meta: `${names.join('\r\n')}\n\n` }));
  assert.deepEqual(train.classNames, names);
  assert.deepEqual(held.classNames, names);
  const dir = fixture({ meta: 'airplane\nautomobile\n' });
  await assert.rejects(loadCifar10(dir), { name: 'Error', message: `${join(dir, 'batches.meta.txt')}: 2 class names, expected one per line for 10 classes` });
});

test('the parent of cifar-10-batches-bin will do as well', async () => {
  const dir = fixture({ nested: true, meta: `${CIFAR10_CLASSES.join('\n')}\n` });
  const { train, test: held } = await loadCifar10(dir);
  assert.equal(train.size, 15);
  assert.deepEqual(Array.from(held.y), [6, 9, 2]);
  assert.deepEqual(await loadCifar10(join(dir, CIFAR10_DIR)), { train, test: held });
});

test('a missing directory or batch file is an Error naming the path and where CIFAR-10 comes from', async () => {
  const missing = join(root, 'nowhere');
  await assert.rejects(loadCifar10(missing), { name: 'Error', message: `${missing}: no such directory; ${SOURCE}` });
  const file = join(root, 'plain-file');
  writeFileSync(file, '');
  await assert.rejects(loadCifar10(file), { name: 'Error', message: `${file}: not a directory; ${SOURCE}` });
  const dir = fixture({ files: { 'data_batch_3.bin': null } });
  await assert.rejects(loadCifar10(dir), { name: 'Error', message: `${join(dir, 'data_batch_3.bin')}: missing; ${SOURCE}` });
  const parent = fixture({ nested: true, files: { 'test_batch.bin': null } });
  await assert.rejects(loadCifar10(parent), { message: `${join(parent, CIFAR10_DIR, 'test_batch.bin')}: missing; ${SOURCE}` });
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await assert.rejects(loadCifar10(empty), { message: `${join(empty, 'data_batch_1.bin')}: missing; ${SOURCE}` });
});

test('a file that is not whole 3073-byte records is truncated or not a CIFAR-10 batch', async () => {
  const cases: [string, Buffer, number][] = [
    ['data_batch_2.bin', batch(3).subarray(0, 3 * 3073 - 1), 3 * 3073 - 1],
    ['test_batch.bin', Buffer.alloc(0), 0],
    ['data_batch_5.bin', Buffer.concat([batch(12), Buffer.from([0])]), 3 * 3073 + 1],
  ];
  for (const [base, content, size] of cases) {
    const dir = fixture({ files: { [base]: content } });
    await assert.rejects(loadCifar10(dir), {
      name: 'Error',
      message: `${join(dir, base)}: ${size} bytes, not a whole number of 3073-byte records (a label byte and 3×32×32 pixels): truncated or not a CIFAR-10 binary batch`,
    });
  }
});

test('a batch cut at a record boundary is refused: its record count differs from the other batches’', async () => {
  // Before, a download cut after a whole record read silently as a smaller dataset.
  const dir = fixture({ files: { 'data_batch_4.bin': batch(9, 2) } });
  await assert.rejects(loadCifar10(dir), {
    name: 'Error',
    message: `${join(dir, 'data_batch_4.bin')}: 2 records, but the other batches hold 3 each: truncated or from another version of the data; ${SOURCE}`,
  });
  const longer = fixture({ files: { 'test_batch.bin': batch(15, 4) } });
  await assert.rejects(loadCifar10(longer), { message: new RegExp(`^${join(longer, 'test_batch.bin')}: 4 records, but the other batches hold 3 each`) });
});

test('a label above 9 names the file and the record', async () => {
  const bad = batch(6);
  bad[2 * 3073] = 10;
  const dir = fixture({ files: { 'data_batch_3.bin': bad } });
  await assert.rejects(loadCifar10(dir), { name: 'Error', message: `${join(dir, 'data_batch_3.bin')}: label 10 of record 2 is out of range for 10 classes` });
});

test('when several files are bad, the error names the first of them, not the first to fail', async () => {
  // The first batch is long (6 MB) with its bad label at the end; the test batch is missing, which fails at once.
  const slow = batch(0, 2000);
  slow[1999 * 3073] = 255;
  const dir = fixture({ files: { 'data_batch_1.bin': slow, 'data_batch_4.bin': Buffer.alloc(5), 'test_batch.bin': null } });
  await assert.rejects(loadCifar10(dir), { message: `${join(dir, 'data_batch_1.bin')}: label 255 of record 1999 is out of range for 10 classes` });
});

test('loadDataset reads cifar10:<dir> and refuses options of other kinds', async () => {
  const dir = fixture({ nested: true });
  const split = await loadDataset(`cifar10:${dir}`);
  assert.deepEqual(split, await loadCifar10(dir));
  await assert.rejects(loadDataset('cifar10:'), { name: 'RangeError', message: /^dataset spec must be one of mnist, fashion-mnist, cifar10:<dir>, .*\(no path after the colon\)$/ });
  await assert.rejects(loadDataset(`cifar10:${dir}`, { idx: { classes: 10 } }), { name: 'RangeError', message: `option idx applies to idx:<dir> only, not to 'cifar10:${dir}'` });
  const missing = join(root, 'none');
  await assert.rejects(loadDataset(`cifar10:${missing}`), { message: `${missing}: no such directory; ${SOURCE}` });
});
