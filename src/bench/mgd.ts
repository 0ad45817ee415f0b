import { cpus } from 'node:os';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { backend } from '../engine/runtime/backend.js';
import { createEstimator } from '../estimators/registry.js';
import { modelFromSpec } from '../nn/factories.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import { fillGaussian } from '../rng/noise.js';
import { forwardPass } from './estimators.js';
import { timeInterleaved } from './timing.js';

export interface MgdBenchOptions {
  readonly batch?: number;
  readonly seconds?: number;
  readonly threads?: number;
}

export interface MgdBenchResult {
  readonly model: string;
  readonly parameters: number;
  readonly batch: number;
  /** One forward pass with the loss, timed in alternation with the step. */
  readonly forwardMs: number;
  /** One MGD step with its baseline: the cost of θ and of θ + θ̃ (one call, two copies), the code and G. */
  readonly stepMs: number;
  readonly ratio: number;
  /** The target for the ratio: two forwards plus O(P) work. */
  readonly target: number;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly runtime: string; readonly threads: number | 'default' };
}

/** The target ratio of an MGD step to a forward pass. */
export const MGD_STEP_TARGET = 2.2;

/**
 * One MGD step (cdma, τ = 1: the baseline and the perturbed cost are both measured, the
 * worst case) on the MGD papers' Fashion-MNIST CNN against one forward pass with the same
 * loss (label smoothing 0.01), timed in alternation within one run.
 */
export async function benchMgd({ batch: b = 1000, seconds = 3, threads }: MgdBenchOptions = {}): Promise<MgdBenchResult> {
  const model = modelFromSpec('cnn', [1, 28, 28], 10);
  const objective = objectiveFromSpec('cross-entropy:0.01');
  const theta = model.init(1);
  const x = HostTensor.zeros('float32', [b, 1, 28, 28]);
  fillGaussian(x.data, 3);
  const batch = { x, y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i % 10))) };
  const forward = await forwardPass(model, objective, theta, batch, 1, threads ? { threads } : {});
  const estimator = createEstimator('mgd', { model, objective, seed: 1, ...(threads ? { compile: { threads } } : {}) }, { code: 'cdma', amplitude: 0.1, normalization: 'reference' });
  const state = estimator.init(theta);
  let step = 0;
  try {
    const [forwardTiming, stepTiming] = await timeInterleaved([forward, () => estimator.estimate(state, { params: theta, batch, step: step++ })], { seconds });
    const [forwardMs, stepMs] = [forwardTiming!.medianMs, stepTiming!.medianMs];
    return {
      model: model.spec,
      parameters: model.layout.size,
      batch: b,
      forwardMs,
      stepMs,
      ratio: stepMs / forwardMs,
      target: MGD_STEP_TARGET,
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, runtime: backend().name, threads: threads ?? 'default' },
    };
  } finally {
    await estimator.dispose();
  }
}
