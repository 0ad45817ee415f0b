/** The embedded MNIST digits in Node: the `mnist` package's files, read from its install (decoded in mnist-digits.ts). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readRegularFile } from '../io/file-error.js';
import type { DatasetSplit } from './dataset.js';
import { MNIST_DIGIT_FILES, decodeMnistDigits } from './mnist-digits.js';

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
  const texts = await Promise.all(files.map(async (file) => (await readRegularFile(file, 'embedded MNIST digits')).toString('utf8')));
  return decodeMnistDigits(texts, files);
}
