import type { Feeds } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { formatShape } from '../engine/ir/shape.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import type { Model } from '../nn/model.js';
import type { Batch } from './estimator.js';

/** The graph inputs every estimator program shares: a batch (x, labels y). */
export interface BatchInputs {
  readonly x: Tensor;
  readonly y: Tensor;
}

export function batchInputs(model: Model): BatchInputs {
  return { x: model.inputTensor('x'), y: input('y', 'int64', ['batch']) };
}

/** Feeds for a batch, viewing x with the model's example shape (the data stays where it is). */
export function batchFeeds(model: Model, batch: Batch): { x: HostTensor; y: HostTensor } {
  const b = batch.y.shape[0]!;
  const perExample = model.inputShape.reduce((a, d) => a * d, 1);
  if (batch.x.dtype !== 'float32' || batch.x.size !== b * perExample) {
    throw new RangeError(`batch x ${batch.x.dtype}${formatShape(batch.x.shape)} does not hold ${b} examples of shape ${formatShape(model.inputShape)} for model '${model.spec}'`);
  }
  if (batch.y.dtype !== 'int64') throw new TypeError(`batch labels must be int64, got ${batch.y.dtype}`);
  return { x: new HostTensor('float32', [b, ...model.inputShape], batch.x.data as Float32Array), y: batch.y };
}

/** Zero-copy feeds of θ: one view per parameter, under the parameter's name. */
export function paramFeeds(model: Model, theta: Float32Array): Record<string, Float32Array> {
  model.layout.check(theta);
  return Object.fromEntries(model.layout.entries.map((e) => [e.name, theta.subarray(e.offset, e.offset + e.size)]));
}

/** Feeds for a batch and θ together. */
export function modelFeeds(model: Model, theta: Float32Array, batch: Batch): Feeds {
  return { ...batchFeeds(model, batch), ...paramFeeds(model, theta) };
}

