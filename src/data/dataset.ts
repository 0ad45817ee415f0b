/**
 * In-memory datasets: classification (int class indices `y`) or regression (float32
 * `targets`). Datasets are treated as immutable: loaders cache them and subsets copy rows,
 * so nothing may write into `x`, `y` or `targets` after creation.
 */
import { formatShape } from '../engine/ir/shape.js';

/** What the labels of a dataset are: class indices, or real-valued targets. */
export type Task = 'classification' | 'regression';

/** A classification dataset (`task` is absent or 'classification'). */
export interface Dataset {
  readonly task?: 'classification';
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

/**
 * A regression dataset: each example has a float32 target of shape `targetShape`, [] for one
 * value (targets [size]) or [k] for k values (targets [size, k]), e.g. for a mean-squared-error loss.
 */
export interface RegressionDataset {
  readonly task: 'regression';
  readonly name: string;
  /** Shape of one example, e.g. [13]. */
  readonly inputShape: readonly number[];
  /** Shape of one example's target: [] or [k]. */
  readonly targetShape: readonly number[];
  /** One name per target value, e.g. the CSV columns they came from. */
  readonly targetNames?: readonly string[];
  /** size × prod(inputShape) features, row-major. */
  readonly x: Float32Array;
  /** size × prod(targetShape) finite targets, row-major. */
  readonly targets: Float32Array;
  readonly size: number;
}

export type AnyDataset = Dataset | RegressionDataset;

/** A train/test pair; `D` is Dataset (classification) unless said otherwise. */
export interface DatasetSplit<D extends AnyDataset = Dataset> {
  readonly train: D;
  readonly test: D;
}

export type RegressionSplit = DatasetSplit<RegressionDataset>;

export type DatasetInit = Omit<Dataset, 'size'>;
export type RegressionDatasetInit = Omit<RegressionDataset, 'size' | 'task'>;

/** Features per example: prod(inputShape). */
export function exampleSize(inputShape: readonly number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/**
 * Checks that the arrays agree with the shape and the labels with the classes, and derives size.
 * @throws TypeError for arrays of the wrong type; RangeError for shapes, counts or labels out of range.
 */
export function createDataset(init: DatasetInit): Dataset {
  const { name, inputShape, classes, classNames, x, y } = init;
  checkInputs(name, inputShape, x);
  if (!Number.isSafeInteger(classes) || classes < 1) throw new RangeError(`classes of '${name}' must be a positive integer, got ${classes}`);
  if (classNames !== undefined && classNames.length !== classes) {
    throw new RangeError(`classNames of '${name}' has ${classNames.length} names for ${classes} classes`);
  }
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

/**
 * Checks that the arrays agree with the shapes and that every target is finite, and derives size.
 * @throws TypeError for arrays of the wrong type; RangeError for shapes that disagree or a non-finite target.
 */
export function createRegressionDataset(init: RegressionDatasetInit): RegressionDataset {
  const { name, inputShape, targetShape, targetNames, x, targets } = init;
  checkInputs(name, inputShape, x);
  if (!Array.isArray(targetShape) || targetShape.length > 1 || !targetShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new RangeError(`targetShape of '${name}' must be [] or [k] with k a positive integer, got [${String(targetShape)}]`);
  }
  const perExample = exampleSize(targetShape);
  if (targetNames !== undefined && targetNames.length !== perExample) throw new RangeError(`targetNames of '${name}' has ${targetNames.length} names for ${perExample} target values`);
  if (!(targets instanceof Float32Array)) throw new TypeError(`targets of '${name}' must be a Float32Array`);
  if (targets.length % perExample !== 0) throw new RangeError(`targets of '${name}' has ${targets.length} values, not a multiple of ${perExample} per example`);
  const size = targets.length / perExample;
  const features = exampleSize(inputShape);
  if (x.length !== size * features) throw new RangeError(`x of '${name}' has ${x.length} values, expected ${size} examples × ${features} = ${size * features}`);
  const bad = targets.findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new RangeError(`targets[${bad}] of '${name}' is ${targets[bad]}; targets must be finite`);
  const dataset: RegressionDataset = {
    task: 'regression',
    name,
    inputShape: Object.freeze([...inputShape]),
    targetShape: Object.freeze([...targetShape]),
    ...(targetNames && { targetNames: Object.freeze([...targetNames]) }),
    x,
    targets,
    size,
  };
  return Object.freeze(dataset);
}

function checkInputs(name: string, inputShape: readonly number[], x: Float32Array): void {
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${typeof name}`);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new RangeError(`inputShape of '${name}' must be a non-empty list of positive integers, got ${String(inputShape)}`);
  }
  if (!(x instanceof Float32Array)) throw new TypeError(`x of '${name}' must be a Float32Array`);
}

/** The examples at `indices`, in that order, copied into a new dataset of the same task. */
export function subset<D extends AnyDataset>(dataset: D, indices: ArrayLike<number>, name?: string): D;
export function subset(dataset: AnyDataset, indices: ArrayLike<number>, name = dataset.name): AnyDataset {
  const features = exampleSize(dataset.inputShape);
  const labels = dataset.task === 'regression' ? dataset.targets : dataset.y;
  const perExample = labels.length / dataset.size;
  const x = new Float32Array(indices.length * features);
  const rows = dataset.task === 'regression' ? new Float32Array(indices.length * perExample) : new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (!Number.isInteger(i) || i < 0 || i >= dataset.size) {
      throw new RangeError(`indices[${r}] is ${i}, not an example index of '${dataset.name}' (size ${dataset.size})`);
    }
    x.set(dataset.x.subarray(i * features, (i + 1) * features), r * features);
    rows.set(labels.subarray(i * perExample, (i + 1) * perExample), r * perExample);
  }
  return dataset.task === 'regression'
    ? createRegressionDataset({ ...dataset, name, x, targets: rows as Float32Array })
    : createDataset({ ...dataset, name, x, y: rows as Int32Array });
}

/** Number of examples of each class. */
export function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.classes).fill(0);
  for (const label of dataset.y) counts[label]!++;
  return counts;
}

/** A one-line summary: size, shape, feature range, and examples per class or the targets' range. */
export function describe(dataset: AnyDataset): string {
  const head = `${dataset.name}: ${dataset.size} examples of ${formatShape(dataset.inputShape)}, ${summarize('x', dataset.x)}`;
  if (dataset.task === 'regression') return `${head}; targets of ${formatShape(dataset.targetShape)}, ${summarize('targets', dataset.targets)}`;
  const counts = classCounts(dataset).map((n, c) => `${dataset.classNames?.[c] ?? c}: ${n}`);
  return `${head}; ${dataset.classes} classes (${counts.join(', ')})`;
}

function summarize(what: string, values: Float32Array): string {
  if (values.length === 0) return `no ${what}`;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return `${what} in [${round(min)}, ${round(max)}], mean ${round(sum / values.length)}`;
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
