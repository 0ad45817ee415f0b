/**
 * The embedded MNIST digits in Node: the `mnist` package's files, read from its install and
 * decoded in mnist-digits.ts (where a browser decodes them too). Parsing
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
import type { DatasetSplit } from './dataset.js';
import { MNIST_DECODED_BYTES, MNIST_DIGIT_FILES, decodeMnistBytes, mnistSplit } from './mnist-digits.js';

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
  const dir = dirname(createRequire(import.meta.url).resolve('mnist'));
  const files = MNIST_DIGIT_FILES.map((f) => join(dir, f));
  const file = await cacheFile(files);
  const cached = await readCache(file);
  if (cached) return mnistSplit(cached);
  const texts = await Promise.all(files.map(async (f) => (await readRegularFile(f, 'embedded MNIST digits')).toString('utf8')));
  const decoded = decodeMnistBytes(texts, files);
  await writeCache(file, decoded.bytes, decoded.labels);
  return mnistSplit(decoded);
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
  const size = MNIST_DECODED_BYTES;
  if (data?.length !== size + 4 || data.readUInt32LE(size) !== crc32(data.subarray(0, size))) return undefined;
  const images = size - size / 785;
  return { bytes: new Uint8Array(data.subarray(0, images)), labels: new Uint8Array(data.subarray(images, size)) };
}

/** Writes the cache atomically; a cache that cannot be written is only a slower next start, so failures are ignored. */
async function writeCache(path: string, bytes: Uint8Array, labels: Uint8Array): Promise<void> {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(labels, crc32(bytes)));
  await writeFileAtomic(path, [bytes, labels, crc], 'MNIST cache').catch(() => undefined);
}
