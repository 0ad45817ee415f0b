/**
 * In-memory classification datasets. Datasets are treated as immutable: loaders cache
 * them and subsets copy rows, so nothing may write into `x` or `y` after creation.
 */
import { formatShape } from '../engine/ir/shape.js';

export interface Dataset {
  readonly name: string;
  /** Shape of one example, e.g. [1, 28, 28]. */
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly classNames?: readonly string[];
  /** size × prod(inputShape) features, row-major. */
  readonly x: Float32Array;
  /** The class index of each example, in [0, classes). */
  readonly y: Int32Array;
  readonly size: number;
}

export interface DatasetSplit {
  readonly train: Dataset;
  readonly test: Dataset;
}

export type DatasetInit = Omit<Dataset, 'size'>;

/** Features per example: prod(inputShape). */
export function exampleSize(inputShape: readonly number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/** Checks that the arrays agree with the shape and the labels with the classes, and derives size. */
export function createDataset(init: DatasetInit): Dataset {
  const { name, inputShape, classes, classNames, x, y } = init;
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${typeof name}`);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new RangeError(`inputShape of '${name}' must be a non-empty list of positive integers, got ${String(inputShape)}`);
  }
  if (!Number.isSafeInteger(classes) || classes < 1) throw new RangeError(`classes of '${name}' must be a positive integer, got ${classes}`);
  if (classNames !== undefined && classNames.length !== classes) {
    throw new RangeError(`classNames of '${name}' has ${classNames.length} names for ${classes} classes`);
  }
  if (!(x instanceof Float32Array)) throw new TypeError(`x of '${name}' must be a Float32Array`);
  if (!(y instanceof Int32Array)) throw new TypeError(`y of '${name}' must be an Int32Array`);
  const features = exampleSize(inputShape);
  if (x.length !== y.length * features) {
    throw new RangeError(`x of '${name}' has ${x.length} values, expected ${y.length} examples × ${features} = ${y.length * features}`);
  }
  const bad = y.findIndex((label) => label < 0 || label >= classes);
  if (bad >= 0) throw new RangeError(`y[${bad}] of '${name}' is ${y[bad]}, outside [0, ${classes})`);
  const dataset: Dataset = {
    name,
    inputShape: Object.freeze([...inputShape]),
    classes,
    ...(classNames && { classNames: Object.freeze([...classNames]) }),
    x,
    y,
    size: y.length,
  };
  return Object.freeze(dataset);
}

/** The examples at `indices`, in that order, copied into a new dataset. */
export function subset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const features = exampleSize(dataset.inputShape);
  const x = new Float32Array(indices.length * features);
  const y = new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (!Number.isInteger(i) || i < 0 || i >= dataset.size) {
      throw new RangeError(`indices[${r}] is ${i}, not an example index of '${dataset.name}' (size ${dataset.size})`);
    }
    x.set(dataset.x.subarray(i * features, (i + 1) * features), r * features);
    y[r] = dataset.y[i]!;
  }
  return createDataset({ ...dataset, name, x, y });
}

/** Number of examples of each class. */
export function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.classes).fill(0);
  for (const label of dataset.y) counts[label]!++;
  return counts;
}

/** A one-line summary: size, shape, feature range and examples per class. */
export function describe(dataset: Dataset): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of dataset.x) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const range = dataset.x.length ? `x in [${round(min)}, ${round(max)}], mean ${round(sum / dataset.x.length)}` : 'no features';
  const counts = classCounts(dataset).map((n, c) => `${dataset.classNames?.[c] ?? c}: ${n}`);
  return `${dataset.name}: ${dataset.size} examples of ${formatShape(dataset.inputShape)}, ${range}; ${dataset.classes} classes (${counts.join(', ')})`;
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}

/** The examples whose label is one of `classes` (labels unchanged), e.g. digits 0–4 to pretrain and 5–9 to fine-tune. */
export function withClasses(dataset: Dataset, classes: readonly number[]): Dataset {
  const bad = classes.find((c) => !Number.isInteger(c) || c < 0 || c >= dataset.classes);
  if (bad !== undefined) throw new RangeError(`class ${bad} is not a class of '${dataset.name}' (0 to ${dataset.classes - 1})`);
  const keep = new Set(classes);
  const indices = Array.from(dataset.y.keys()).filter((i) => keep.has(dataset.y[i]!));
  return subset(dataset, indices, `${dataset.name}[classes ${classes.join(',')}]`);
}
