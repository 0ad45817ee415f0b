/**
 * CIFAR-10, binary version: each batch file is a run of 3073-byte records, a label byte and
 * then a 32×32 colour image as 1024 red, 1024 green and 1024 blue bytes, each plane row by row.
 */
import { join } from 'node:path';
import { type Dataset, type DatasetSplit, createDataset } from './dataset.js';
import { pixelsToUnit } from './pixels.js';
import { FileError, readRegularFile } from '../io/file-error.js';
import { statIfExists } from '../io/stat-if-exists.js';

/** The directory that cifar-10-binary.tar.gz extracts to. */
export const CIFAR10_DIR = 'cifar-10-batches-bin';

/** The batch files of each split; the published ones hold 10,000 records each. */
export const CIFAR10_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;

/** The class names in label order, as batches.meta.txt lists them. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);

const META_FILE = 'batches.meta.txt';
const IMAGE = 3 * 32 * 32;
const RECORD = 1 + IMAGE;

const SOURCE =
  'CIFAR-10 comes from https://www.cs.toronto.edu/~kriz/cifar.html: download the "CIFAR-10 binary version" ' +
  `(cifar-10-binary.tar.gz), extract the .tar.gz and give its ${CIFAR10_DIR} directory or the directory holding it`;

/**
 * CIFAR-10's 50,000/10,000 split of [3, 32, 32] images in [0, 1], from a cifar-10-batches-bin
 * directory or its parent, with the class names of its batches.meta.txt (else the standard ones).
 */
export async function loadCifar10(dir: string): Promise<DatasetSplit> {
  const found = await statIfExists(dir);
  if (!found) throw new Error(`${dir}: no such directory; ${SOURCE}`);
  if (!found.isDirectory()) throw new Error(`${dir}: not a directory; ${SOURCE}`);
  const nested = join(dir, CIFAR10_DIR);
  const root = (await statIfExists(nested))?.isDirectory() ? nested : dir;
  const classNames = await readClassNames(join(root, META_FILE));
  const trainFiles = CIFAR10_FILES.train.map((base) => join(root, base));
  const testFiles = CIFAR10_FILES.test.map((base) => join(root, base));
  // All six are read concurrently; settle them all so the error reported is that of the
  // first bad file in the fixed order, not of whichever failed first.
  const results = await Promise.allSettled([...trainFiles, ...testFiles].map(readBatch));
  const batches = results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  checkRecordCounts([...trainFiles, ...testFiles], batches);
  const dataset = (split: string, records: Uint8Array[]): Dataset => {
    const count = records.reduce((n, bytes) => n + bytes.length / RECORD, 0);
    const y = new Int32Array(count);
    const pixels = new Uint8Array(count * IMAGE);
    let at = 0;
    for (const bytes of records) {
      // A record's pixel bytes already are a channel-major [3, 32, 32] image: copied as they are.
      for (let r = 0; r < bytes.length / RECORD; r++, at++) {
        y[at] = bytes[r * RECORD]!;
        pixels.set(bytes.subarray(r * RECORD + 1, (r + 1) * RECORD), at * IMAGE);
      }
    }
    return createDataset({ name: `cifar10/${split}`, inputShape: [3, 32, 32], classes: CIFAR10_CLASSES.length, classNames, x: pixelsToUnit(pixels), y });
  };
  return { train: dataset('train', batches.slice(0, trainFiles.length)), test: dataset('test', batches.slice(trainFiles.length)) };
}

async function readBatch(file: string): Promise<Uint8Array> {
  try {
    return decodeCifar10Batch(await readRegularFile(file, 'CIFAR-10 batch'), file);
  } catch (e) {
    if (e instanceof FileError && e.code === 'ENOENT') throw new Error(`${file}: missing; ${SOURCE}`);
    throw e;
  }
}

/**
 * Checks the bytes of one CIFAR-10 batch file (`file` names it in errors): whole 3073-byte
 * records, each a label in [0, 10) and 3×32×32 pixel bytes; returns the bytes as they are.
 * @throws Error "<file>: …" for a size that is not a whole number of records, or a label out of range (naming the record).
 */
export function decodeCifar10Batch(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(`${file}: ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (a label byte and 3×32×32 pixels): truncated or not a CIFAR-10 binary batch`);
  }
  for (let r = 0; r < bytes.length / RECORD; r++) {
    const label = bytes[r * RECORD]!;
    if (label >= CIFAR10_CLASSES.length) throw new Error(`${file}: label ${label} of record ${r} is out of range for ${CIFAR10_CLASSES.length} classes`);
  }
  return bytes;
}

/**
 * Refuses a batch whose record count differs from the others': the published batches hold
 * 10,000 records each, and a download cut at a record boundary would otherwise read as a
 * smaller dataset. The reference is the most common count (the first file's on a tie).
 */
function checkRecordCounts(files: readonly string[], batches: readonly Uint8Array[]): void {
  const counts = batches.map((b) => b.length / RECORD);
  const frequency = (n: number): number => counts.filter((c) => c === n).length;
  const common = counts.reduce((best, n) => (frequency(n) > frequency(best) ? n : best), counts[0]!);
  const odd = counts.findIndex((n) => n !== common);
  if (odd >= 0) {
    throw new Error(`${files[odd]}: ${counts[odd]} records, but the other batches hold ${common} each: truncated or from another version of the data; ${SOURCE}`);
  }
}

/** The names in batches.meta.txt, one per line (the published file ends in blank lines), else the standard names. */
async function readClassNames(file: string): Promise<readonly string[]> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, 'CIFAR-10 class names');
  } catch (e) {
    if (e instanceof FileError && e.code === 'ENOENT') return CIFAR10_CLASSES;
    throw e;
  }
  const names = bytes
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== CIFAR10_CLASSES.length) throw new Error(`${file}: ${names.length} class names, expected one per line for ${CIFAR10_CLASSES.length} classes`);
  return names;
}

