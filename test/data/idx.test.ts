import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { IDX_FILES, loadIdx, readIdx } from '../../src/data/idx.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-idx-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file of unsigned bytes: magic 0x000008<rank>, big-endian sizes, then the data. */
function idx(dims: number[], data: ArrayLike<number>, magic = 0x800 | dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

/** Pixel (n, r, c) of a fixture image is (7n + 3r + c) mod 256, labels n mod 10. */
function images(n: number, rows = 3, cols = 2): Buffer {
  return idx([n, rows, cols], Array.from({ length: n * rows * cols }, (_, k) => (7 * Math.floor(k / (rows * cols)) + 3 * Math.floor((k % (rows * cols)) / cols) + (k % cols)) % 256));
}
function labels(n: number): Buffer {
  return idx([n], Array.from({ length: n }, (_, i) => i % 10));
}

let dirs = 0;
/** A directory with 12 train and 5 test examples; `files` replaces or (with null) omits some. */
function fixture(options: { gz?: boolean; files?: Partial<Record<keyof typeof IDX_FILES, Buffer | null>> } = {}): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  const contents = { trainImages: images(12), trainLabels: labels(12), testImages: images(5), testLabels: labels(5), ...options.files };
  for (const [key, content] of Object.entries(contents)) {
    const base = join(dir, IDX_FILES[key as keyof typeof IDX_FILES]);
    if (content) writeFileSync(options.gz ? `${base}.gz` : base, options.gz ? gzipSync(content) : content);
  }
  return dir;
}

for (const gz of [false, true]) {
  test(`loadIdx round-trips ${gz ? 'gzipped' : 'raw'} files into [1, rows, cols] images in [0, 1]`, async () => {
    const dir = fixture({ gz });
    const { train, test: held } = await loadIdx(dir, { name: 'tiny' });
    assert.equal(train.name, 'tiny/train');
    assert.equal(held.name, 'tiny/test');
    assert.equal(train.size, 12);
    assert.equal(held.size, 5);
    assert.deepEqual(train.inputShape, [1, 3, 2]);
    assert.equal(train.classes, 10);
    assert.equal(train.classNames, undefined);
    assert.deepEqual(Array.from(held.y), [0, 1, 2, 3, 4]);
    const expected = images(12).subarray(16);
    assert.deepEqual(Array.from(train.x), Array.from(expected, (b) => Math.fround(b / 255)));
    assert.equal((await loadIdx(dir)).train.name, `d${dirs - 1}/train`, 'the name defaults to the directory');
  });
}

test('readIdx reads a raw or gzipped IDX array, whatever the file is called', async () => {
  const file = join(root, 'labels-as-gz-without-suffix');
  writeFileSync(file, gzipSync(labels(4)));
  const { dims, data } = await readIdx(file, 1);
  assert.deepEqual(dims, [4]);
  assert.deepEqual(Array.from(data), [0, 1, 2, 3]);
});

test('loadIdx takes classes and class names, and checks labels against them', async () => {
  const dir = fixture({ files: { trainLabels: idx([12], Array.from({ length: 12 }, (_, i) => i % 3)), testLabels: idx([5], [0, 1, 2, 2, 1]) } });
  const named = await loadIdx(dir, { classNames: ['x', 'y', 'z'] });
  assert.equal(named.train.classes, 3);
  assert.deepEqual(named.test.classNames, ['x', 'y', 'z']);
  assert.equal((await loadIdx(dir, { classes: 4 })).train.classes, 4);
  await assert.rejects(loadIdx(dir, { classes: 2 }), {
    message: `${join(dir, IDX_FILES.trainLabels)}: label 2 of example 2 is out of range for 2 classes`,
  });
  await assert.rejects(loadIdx(dir, { classes: 0 }), { name: 'RangeError', message: 'classes must be a positive integer, got 0' });
  await assert.rejects(loadIdx(join(root, 'unread'), { classes: 4, classNames: ['x', 'y', 'z'] }), { name: 'RangeError', message: 'classNames has 3 names for 4 classes' });
});

test('a bad magic number names the file, the number found and the one expected', async () => {
  const dir = fixture({ files: { trainImages: labels(12) } });
  await assert.rejects(loadIdx(dir), {
    message: `${join(dir, IDX_FILES.trainImages)}: bad magic number 0x00000801, expected 0x00000803 (IDX pixels: unsigned bytes, 3 dimensions)`,
  });
  const signed = fixture({ files: { testLabels: idx([5], [0, 1, 2, 3, 4], 0x901) } });
  await assert.rejects(loadIdx(signed), { message: /t10k-labels-idx1-ubyte: bad magic number 0x00000901, expected 0x00000801 / });
});

for (const gz of [false, true]) {
  test(`a ${gz ? 'gzipped' : 'raw'} file shorter than its header says is reported as truncated`, async () => {
    const suffix = gz ? '.gz' : '';
    const dir = fixture({ gz, files: { trainImages: images(12).subarray(0, 16 + 50) } });
    await assert.rejects(loadIdx(dir), {
      message: `${join(dir, IDX_FILES.trainImages)}${suffix}: truncated: header says 12×3×2 = 72 bytes of pixels, file has 50`,
    });
    const labelsDir = fixture({ gz, files: { testLabels: labels(5).subarray(0, 8 + 3) } });
    await assert.rejects(loadIdx(labelsDir), {
      message: `${join(labelsDir, IDX_FILES.testLabels)}${suffix}: truncated: header says 5 bytes of labels, file has 3`,
    });
    const headerDir = fixture({ gz, files: { testImages: images(5).subarray(0, 10) } });
    await assert.rejects(loadIdx(headerDir), {
      message: `${join(headerDir, IDX_FILES.testImages)}${suffix}: truncated: an IDX header for pixels needs 16 bytes, file has 10`,
    });
  });
}

test('trailing bytes, empty arrays and corrupt gzip data are errors that name the file', async () => {
  const long = fixture({ files: { trainLabels: Buffer.concat([labels(12), Buffer.from([1, 2])]) } });
  await assert.rejects(loadIdx(long), { message: `${join(long, IDX_FILES.trainLabels)}: 2 bytes beyond the 12 bytes of labels that the header describes` });
  const empty = fixture({ files: { testImages: idx([0, 3, 2], []), testLabels: idx([0], []) } });
  await assert.rejects(loadIdx(empty), { message: `${join(empty, IDX_FILES.testImages)}: header says 0×3×2: no pixels` });
  const dir = fixture({ gz: true });
  const file = `${join(dir, IDX_FILES.trainImages)}.gz`;
  writeFileSync(file, gzipSync(images(12)).subarray(0, 30));
  await assert.rejects(loadIdx(dir), { message: `${file}: corrupt gzip data (unexpected end of file)` });
});

test('image and label counts must match, and test images must have the train images’ size', async () => {
  const dir = fixture({ files: { trainLabels: labels(11) } });
  await assert.rejects(loadIdx(dir), {
    message: `${join(dir, IDX_FILES.trainImages)} has 12 images but ${join(dir, IDX_FILES.trainLabels)} has 11 labels`,
  });
  const sizes = fixture({ files: { testImages: images(5, 2, 3) } });
  await assert.rejects(loadIdx(sizes), {
    message: `${join(sizes, IDX_FILES.testImages)}: images are 2×3, but ${join(sizes, IDX_FILES.trainImages)} has 3×2`,
  });
});

test('a label beyond the classes names the file, the example and the label', async () => {
  const dir = fixture({ files: { testLabels: idx([5], [0, 1, 10, 3, 4]) } });
  await assert.rejects(loadIdx(dir), { message: `${join(dir, IDX_FILES.testLabels)}: label 10 of example 2 is out of range for 10 classes` });
});

test('a missing directory or file is an Error naming the path and the expected files', async () => {
  const missing = join(root, 'nowhere');
  await assert.rejects(loadIdx(missing), {
    name: 'Error',
    message: `${missing}: no such directory; expected the MNIST-format files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz`,
  });
  const file = join(root, 'plain-file');
  writeFileSync(file, '');
  await assert.rejects(loadIdx(file), { message: /plain-file: not a directory; expected the MNIST-format files/ });
  const dir = fixture({ gz: true });
  unlinkSync(`${join(dir, IDX_FILES.testLabels)}.gz`);
  await assert.rejects(loadIdx(dir, { source: 'get them from example.org' }), {
    message: `${join(dir, IDX_FILES.testLabels)}: missing (neither it nor t10k-labels-idx1-ubyte.gz is there); get them from example.org`,
  });
});

test('when several files are bad, the error names the first of them, not the first to fail', async () => {
  // The train images take a while to gunzip (16 MB), the raw test labels fail at once.
  const slow = gzipSync(Buffer.concat([images(12).subarray(0, 16), Buffer.alloc(1 << 24)]));
  const dir = fixture({ files: { testLabels: labels(5).subarray(0, 9) } });
  writeFileSync(join(dir, IDX_FILES.trainImages), slow);
  await assert.rejects(loadIdx(dir), { message: `${join(dir, IDX_FILES.trainImages)}: ${(1 << 24) - 72} bytes beyond the 72 bytes of pixels that the header describes` });
});
