import type { Feeds } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { formatShape } from '../engine/ir/shape.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import type { Batch } from '../data/batches.js';
import { allFinite } from '../rng/noise.js';
import { type Model, examplesFeed } from '../nn/model.js';
import type { Objective } from './objective.js';

/** The graph inputs every program on a model shares: inputs x and the objective's targets y. */
export interface ProgramInputs {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * x [...lead, batch, ...inputShape] and y [...lead, batch, ...target shape]. A `lead` axis
 * gives each of K copies its own examples (allocated queries).
 */
export function programInputs(model: Model, objective: Objective, lead: readonly number[] = []): ProgramInputs {
  const target = objective.target(model.outputs);
  return {
    x: input('x', 'float32', [...lead, 'batch', ...model.inputShape]),
    y: input('y', target.dtype, [...lead, 'batch', ...target.shape]),
  };
}

/**
 * Feeds for a batch: x viewed with the model's example shape, y checked against the
 * objective's targets. Checked at this boundary because every program on a model passes
 * it: inputs must be finite (a NaN would turn every estimate into NaN without a word) and
 * class labels within the model's outputs (a label past them would give a finite, wrong
 * gradient). Throws a RangeError naming the example and feature or label.
 */
export function batchFeeds(model: Pick<Model, 'inputShape' | 'outputs' | 'spec'>, objective: Objective, batch: Batch): { x: HostTensor<'float32'>; y: HostTensor } {
  const x = examplesFeed(batch.x, model.inputShape, model.spec);
  const b = x.shape[0]!;
  const bad = firstNonFinite(x.data);
  if (bad >= 0) throw new RangeError(`batch inputs hold ${x.data[bad]} at example ${Math.floor(bad / (x.size / b))} (feature ${bad % (x.size / b)}); inputs must be finite`);
  const y = targetFeed(objective, model.outputs, batch.y, b);
  if (y.dtype === 'int64') {
    const labels = y.data as BigInt64Array;
    const i = labels.findIndex((label) => label < 0n || label >= BigInt(model.outputs));
    if (i >= 0) throw new RangeError(`batch label ${labels[i]} at example ${i} is not a class of model '${model.spec}' (0 to ${model.outputs - 1})`);
  } else {
    const t = firstNonFinite(y.data as Float32Array);
    if (t >= 0) throw new RangeError(`batch targets hold ${(y.data as Float32Array)[t]} at example ${Math.floor(t / (y.size / b))}; targets must be finite`);
  }
  return { x, y };
}

/** The index of the first NaN or ±∞ (−1: none); the kernel checks the common all-finite case. */
function firstNonFinite(values: Float32Array): number {
  if (allFinite(values)) return -1;
  return values.findIndex((v) => !Number.isFinite(v));
}

/** y checked against the objective's targets for b examples (TypeError for a wrong dtype, RangeError for a wrong shape). */
export function targetFeed(objective: Objective, outputs: number, y: HostTensor, b: number): HostTensor {
  const target = objective.target(outputs);
  if (y.dtype !== target.dtype) throw new TypeError(`targets of objective '${objective.name}' must be ${target.dtype}, got ${y.dtype}`);
  const expected = [b, ...target.shape];
  if (y.shape.length === expected.length && y.shape.every((d, i) => d === expected[i])) return y;
  // One value per example ([b]) is the same data as [b, 1]: a regression dataset's single target.
  if (y.shape.length === 1 && y.shape[0] === b && expected.length === 2 && expected[1] === 1) return new HostTensor(y.dtype, expected, y.data as Float32Array);
  throw new RangeError(`targets ${formatShape(y.shape)} do not match objective '${objective.name}': expected ${formatShape(expected)}`);
}

/** Feeds for a batch and θ together. */
export function modelFeeds(model: Model, objective: Objective, theta: Float32Array, batch: Batch): Feeds {
  return { ...batchFeeds(model, objective, batch), ...model.paramFeeds(theta) };
}
