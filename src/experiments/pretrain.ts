import { batches } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { createEstimator } from '../estimators/registry.js';
import type { Model } from '../nn/model.js';
import { adam } from '../optim/aliases.js';
import { applyUpdates } from '../optim/transform.js';

/** θ after `steps` Adam steps (lr 1e-3) of backprop on `dataset`, in place. */
export async function pretrain(model: Model, theta: Float32Array, dataset: Dataset, steps: number, batchSize: number, seed: number): Promise<Float32Array> {
  const bp = createEstimator('bp', model);
  const optimizer = adam(1e-3);
  let state = optimizer.init(theta);
  let step = 0;
  for (let epoch = 0; step < steps; epoch++) {
    for (const batch of batches(dataset, { batchSize, seed, epoch })) {
      if (step >= steps) break;
      const update = optimizer.update((await bp.estimate({ params: theta, batch, step })).grad, state, theta, step++);
      applyUpdates(theta, update.updates);
      state = update.state;
    }
  }
  return theta;
}
