import { type AnyDataset, type DatasetSplit, exampleSize } from './dataset.js';

/** Per-channel input statistics: `mean[c]` and `std[c]` for each channel c. */
export interface InputStatistics {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * Channels of an example shape: the first axis of an image [C, H, W], one otherwise
 * (a flat vector [F] is standardised as one channel, as torchvision's Normalize does for MNIST).
 */
function channelsOf(inputShape: readonly number[]): number {
  return inputShape.length === 3 ? inputShape[0]! : 1;
}

/**
 * The mean and (population) standard deviation of every channel over all examples and
 * positions of `dataset`, accumulated in float64.
 * @throws RangeError for an empty dataset or a channel with zero spread (nothing to divide by).
 */
export function inputStatistics(dataset: AnyDataset): InputStatistics {
  const channels = channelsOf(dataset.inputShape);
  const plane = exampleSize(dataset.inputShape) / channels;
  if (dataset.size === 0) throw new RangeError(`cannot normalise by the statistics of '${dataset.name}': it has no examples`);
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  dataset.x.forEach((v, i) => {
    const c = Math.floor(i / plane) % channels;
    sum[c]! += v;
    squares[c]! += v * v;
  });
  const count = dataset.size * plane;
  const mean = sum.map((s) => s / count);
  const std = squares.map((s, c) => Math.sqrt(Math.max(0, s / count - mean[c]! ** 2)));
  const flat = std.findIndex((s) => !(s > 0));
  if (flat >= 0) throw new RangeError(`channel ${flat} of '${dataset.name}' is constant (${mean[flat]}); it cannot be normalised`);
  return { mean, std };
}

/** A copy of `dataset` with each channel mapped to (x − mean[c]) / std[c], in float32. */
export function normalizeInputs<D extends AnyDataset>(dataset: D, { mean, std }: InputStatistics): D {
  const channels = channelsOf(dataset.inputShape);
  if (mean.length !== channels || std.length !== channels) throw new RangeError(`statistics for ${mean.length} channels do not fit '${dataset.name}' with ${channels}`);
  const plane = exampleSize(dataset.inputShape) / channels;
  const x = Float32Array.from(dataset.x, (v, i) => {
    const c = Math.floor(i / plane) % channels;
    return (v - mean[c]!) / std[c]!;
  });
  const normalized: D = { ...dataset, x };
  return Object.freeze(normalized);
}

/**
 * Both splits standardised per channel by the training split's mean and standard
 * deviation, as the papers' input pipelines do (e.g. Ren et al. 2023, torchvision's
 * Normalize): the test split never informs its own scaling.
 */
export function normalizeSplit<D extends AnyDataset>(split: DatasetSplit<D>): DatasetSplit<D> & { readonly statistics: InputStatistics } {
  const statistics = inputStatistics(split.train);
  return { train: normalizeInputs(split.train, statistics), test: normalizeInputs(split.test, statistics), statistics };
}
