/**
 * IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number
 * 0x000008NN (unsigned bytes, NN dimensions), NN uint32 sizes, then the bytes.
 */
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type Dataset, type DatasetSplit, createDataset } from './dataset.js';
import { pixelsToUnit } from './pixels.js';
import { readRegularFile } from '../io/file-error.js';
import { statIfExists } from '../io/stat-if-exists.js';

const gunzipAsync = promisify(gunzip);

/** The four files of an MNIST-format directory; each may also be stored gzipped, with '.gz' appended. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const DEFAULT_SOURCE = `expected the MNIST-format files ${Object.values(IDX_FILES).join(', ')}, raw or .gz`;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

export interface IdxOptions {
  /** Dataset name; the splits are '<name>/train' and '<name>/test' (default: the directory's name). */
  readonly name?: string;
  /** Number of classes; labels must be below it (default: classNames.length, else 10). */
  readonly classes?: number;
  readonly classNames?: readonly string[];
  /** Where the files come from, appended to missing-directory and missing-file errors. */
  readonly source?: string;
}

/**
 * Reads an IDX file of unsigned bytes with `rank` dimensions, gunzipping it when its content
 * is gzip (whatever its name); see decodeIdx.
 * @throws FileError "cannot read IDX file <file>: <reason>"; Error "<file>: corrupt gzip data (…)"; what decodeIdx throws.
 */
export async function readIdx(file: string, rank: 1 | 3): Promise<IdxArray> {
  let bytes: Uint8Array = await readRegularFile(file, 'IDX file');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return decodeIdx(bytes, file, rank);
}

/**
 * An IDX array of unsigned bytes from its (uncompressed) bytes; `file` names it in errors.
 * The header's sizes must account for every byte: a truncated or padded file is refused,
 * never read as fewer or more examples.
 * @throws Error "<file>: …" for a bad magic number, a truncated header or body, an empty
 *   array, or bytes beyond the array.
 */
export function decodeIdx(bytes: Uint8Array, file: string, rank: 1 | 3): IdxArray {
  const what = rank === 3 ? 'pixels' : 'labels';
  const magic = 0x800 | rank;
  const headerSize = 4 + 4 * rank;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 4 && view.getUint32(0) !== magic) {
    throw new Error(`${file}: bad magic number ${hex(view.getUint32(0))}, expected ${hex(magic)} (IDX ${what}: unsigned bytes, ${rank} dimension${rank > 1 ? 's' : ''})`);
  }
  if (bytes.length < headerSize) throw new Error(`${file}: truncated: an IDX header for ${what} needs ${headerSize} bytes, file has ${bytes.length}`);
  const dims = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k));
  const size = dims.reduce((a, b) => a * b, 1);
  if (size === 0) throw new Error(`${file}: header says ${dims.join('×')}: no ${what}`);
  const body = bytes.length - headerSize;
  if (body < size) throw new Error(`${file}: truncated: header says ${dims.join('×')}${rank > 1 ? ` = ${size}` : ''} bytes of ${what}, file has ${body}`);
  if (body > size) throw new Error(`${file}: ${body - size} bytes beyond the ${size} bytes of ${what} that the header describes`);
  return { dims, data: bytes.subarray(headerSize) };
}

/** The train (train-*) and test (t10k-*) splits of an MNIST-format directory, as [1, rows, cols] images in [0, 1]. */
export async function loadIdx(dir: string, options: IdxOptions = {}): Promise<DatasetSplit> {
  const { name = basename(resolve(dir)), classNames, classes = classNames?.length ?? 10, source = DEFAULT_SOURCE } = options;
  if (!Number.isSafeInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (classNames !== undefined && classNames.length !== classes) throw new RangeError(`classNames has ${classNames.length} names for ${classes} classes`);
  const found = await statIfExists(dir);
  if (!found) throw new Error(`${dir}: no such directory; ${source}`);
  if (!found.isDirectory()) throw new Error(`${dir}: not a directory; ${source}`);
  const files: string[] = [];
  // One at a time, so that of several missing files the error always names the first.
  for (const base of Object.values(IDX_FILES)) files.push(await locate(dir, base, source));
  const [trainImages, trainLabels, testImages, testLabels] = files as [string, string, string, string];
  // All four decode concurrently (gunzip runs off the main thread); settle them all so the
  // error reported is that of the first bad file, not of whichever failed first.
  const results = await Promise.allSettled([readIdx(trainImages, 3), readIdx(trainLabels, 1), readIdx(testImages, 3), readIdx(testLabels, 1)]);
  const arrays = results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  const [trainX, trainY, testX, testY] = arrays as [IdxArray, IdxArray, IdxArray, IdxArray];
  if (testX.dims[1] !== trainX.dims[1] || testX.dims[2] !== trainX.dims[2]) {
    throw new Error(`${testImages}: images are ${testX.dims.slice(1).join('×')}, but ${trainImages} has ${trainX.dims.slice(1).join('×')}`);
  }
  const dataset = (split: string, images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string): Dataset => {
    const [count, rows, cols] = images.dims as [number, number, number];
    if (labels.dims[0] !== count) throw new Error(`${imagesFile} has ${count} images but ${labelsFile} has ${labels.dims[0]} labels`);
    const bad = labels.data.findIndex((label) => label >= classes);
    if (bad >= 0) throw new Error(`${labelsFile}: label ${labels.data[bad]} of example ${bad} is out of range for ${classes} classes`);
    return createDataset({ name: `${name}/${split}`, inputShape: [1, rows, cols], classes, classNames, x: pixelsToUnit(images.data), y: Int32Array.from(labels.data) });
  };
  return { train: dataset('train', trainX, trainImages, trainY, trainLabels), test: dataset('test', testX, testImages, testY, testLabels) };
}

async function locate(dir: string, base: string, source: string): Promise<string> {
  for (const file of [join(dir, base), join(dir, `${base}.gz`)]) if ((await statIfExists(file))?.isFile()) return file;
  throw new Error(`${join(dir, base)}: missing (neither it nor ${base}.gz is there); ${source}`);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
