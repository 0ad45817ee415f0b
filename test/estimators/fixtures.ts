import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import type { Batch } from '../../src/data/batches.js';
import type { Estimate, EstimateRequest, Estimator } from '../../src/estimators/estimator.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Pool2d } from '../../src/nn/layers/pool.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import { Model } from '../../src/nn/model.js';
import { normals, testRandom } from '../helpers.js';

/** A batch of `b` random examples of `shape` with labels below `classes`. */
export function randomBatch(b: number, shape: number[], classes: number, seed = 1): Batch {
  const random = testRandom(seed);
  const size = shape.reduce((a, d) => a * d, 1);
  return {
    x: new HostTensor('float32', [b, ...shape], Float32Array.from(normals(b * size, random))),
    y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, () => BigInt(Math.floor(random() * classes)))),
  };
}

/** conv3×3 (2 channels) → ReLU → 2×2 max-pool → linear, on 1×6×6 images. */
export function tinyCnn(): Model {
  const net = new Sequential(new Conv2d(1, 2, { kernel: 3 }), new Activation('relu'), new Pool2d('maxpool2d', 2), new Flatten(), new Linear(8, 3));
  return new Model(net, [1, 6, 6], 3, 'tiny-cnn');
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

export const CE = crossEntropyObjective();

/** Method `method` on `model` (cross-entropy), seeded. */
export function make(method: string, model: Model, options: Readonly<Record<string, unknown>> = {}, seed = 5): Estimator {
  return createEstimator(method, { model, objective: CE, seed }, options);
}

/** One estimate from the estimator's fresh state. */
export async function estimateOnce(estimator: Estimator, request: EstimateRequest): Promise<Estimate> {
  return (await estimator.estimate(estimator.init(request.params), request)).estimate;
}

/** The exact gradient (backprop). */
export async function exactGradient(model: Model, params: Float32Array, batch: Batch): Promise<Float32Array> {
  return (await estimateOnce(make('bp', model), { params, batch, step: 0 })).grad!;
}
