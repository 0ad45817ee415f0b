import type { Dataset } from '../data/dataset.js';
import { createEstimator } from '../estimators/registry.js';
import type { Model } from '../nn/model.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { adam } from '../optim/aliases.js';
import { initTrainState, runSteps } from '../train/step.js';

/** θ after `steps` Adam steps (lr 1e-3) of backprop on `dataset`, in place. */
export async function pretrain(model: Model, theta: Float32Array, dataset: Dataset, steps: number, batchSize: number, seed: number): Promise<Float32Array> {
  const estimator = createEstimator('bp', { model, objective: crossEntropyObjective(), seed: 0 });
  try {
    const stepper = { estimator, optimizer: adam(1e-3) };
    await runSteps(stepper, initTrainState(stepper, theta, dataset.size), dataset, { batchSize, seed, steps });
    return theta;
  } finally {
    await estimator.dispose();
  }
}
