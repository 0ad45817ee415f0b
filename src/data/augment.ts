import { fillGaussian, fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/** The augmentation of a contrastive view: a random shift of the image and pixel noise. */
export interface ViewAugmentation {
  /** Largest shift, in pixels, along each spatial axis (circular: content leaves one edge and enters the other). */
  readonly shift: number;
  /** Standard deviation of the additive Gaussian pixel noise, in input units. */
  readonly noise: number;
}

/** Shifts of up to 2 pixels and noise of 0.1: mild enough to keep a 28×28 digit or garment recognisable. */
export const DEFAULT_AUGMENTATION: ViewAugmentation = Object.freeze({ shift: 2, noise: 0.1 });

/**
 * One augmented view of a batch of images x [b, C, H, W] (row-major, as `inputShape`
 * [C, H, W] says): each example is shifted by its own (dy, dx), uniform in
 * [−shift, shift]², circularly, and gets independent N(0, noise²) pixel noise, all drawn
 * from the stream `key` (so a step's views replay exactly). SimCLR-style contrastive
 * learning (Chen et al. 2020; Ren et al. 2023, §5.3) compares two such views of each
 * example. Inputs that are not images ([F]) get the noise only.
 * @throws RangeError when x does not hold whole examples of `inputShape`, or for a negative shift or noise.
 */
export function augmentView(x: Float32Array, inputShape: readonly number[], key: Seed, { shift, noise }: ViewAugmentation = DEFAULT_AUGMENTATION): Float32Array {
  if (!Number.isInteger(shift) || shift < 0) throw new RangeError(`shift must be a non-negative integer, got ${shift}`);
  if (!(noise >= 0)) throw new RangeError(`noise must be non-negative, got ${noise}`);
  const size = inputShape.reduce((a, d) => a * d, 1);
  if (size === 0 || x.length % size !== 0) throw new RangeError(`${x.length} values do not hold whole examples of [${inputShape.join(', ')}]`);
  const b = x.length / size;
  const out = new Float32Array(x.length);
  fillGaussian(out, key, 0, noise);
  const image = inputShape.length === 3;
  const [channels, height, width] = image ? (inputShape as [number, number, number]) : [1, 1, size];
  const shifts = new Float32Array(2 * b);
  if (image && shift > 0) fillUniform(shifts, key, 0);
  const offset = (u: number) => Math.min(2 * shift, Math.floor(u * (2 * shift + 1))) - shift;
  for (let e = 0; e < b; e++) {
    const [dy, dx] = [offset(shifts[2 * e]!), offset(shifts[2 * e + 1]!)];
    for (let c = 0; c < channels; c++) {
      for (let row = 0; row < height; row++) {
        const from = e * size + c * height * width + (((row - dy) % height) + height) % height * width;
        const to = e * size + c * height * width + row * width;
        for (let col = 0; col < width; col++) out[to + col]! += x[from + ((((col - dx) % width) + width) % width)]!;
      }
    }
  }
  return out;
}
