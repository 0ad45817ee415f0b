import type { HostData } from '../engine/ir/dtype.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { logSoftmax } from '../engine/ops/log-softmax.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { crossEntropy, mse } from '../nn/losses.js';
import { countCorrect } from '../nn/metrics.js';

/** What a batch's targets hold per example: an int64 class label, or float32 values of a shape. */
export type TargetKind = { readonly dtype: 'int64'; readonly shape: readonly [] } | { readonly dtype: 'float32'; readonly shape: readonly number[] };

/**
 * What is minimised, per example. Estimators build `loss` into their programs (so every
 * transform — JVP, VJP — applies to it) and minimise its batch mean; evaluation counts
 * `correct` predictions. Objectives are plain values: configs name them by `name`.
 */
export interface Objective {
  /** 'cross-entropy', 'cross-entropy:<smoothing>', 'mse' or a user's name (stored in checkpoints). */
  readonly name: string;
  /** The targets this objective takes for a model with `outputs` outputs. */
  target(outputs: number): TargetKind;
  /** Per-example loss: output [..., batch, outputs] and target [..., batch, ...target shape] → [..., batch]. */
  loss(output: Tensor, target: Tensor): Tensor;
  /** Correct predictions among n examples: outputs [n, width] (host) against their targets. */
  correct(outputs: Float32Array, targets: HostData, width: number): number;
}

/**
 * Softmax cross-entropy against class labels, optionally with label smoothing α
 * (Szegedy et al. 2016): (1 − α)·CE + α·mean_c(−log p_c). Correct = argmax matches the label.
 */
export function crossEntropyObjective(smoothing = 0): Objective {
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`label smoothing must be in [0, 1), got ${smoothing}`);
  return {
    name: smoothing === 0 ? 'cross-entropy' : `cross-entropy:${smoothing}`,
    target: () => ({ dtype: 'int64', shape: [] }),
    // Without smoothing the loss is exactly the fused op, so numbers stay what they were.
    loss: (output, target) =>
      smoothing === 0 ? crossEntropy(output, target) : add(mul(crossEntropy(output, target), 1 - smoothing), mul(mean(logSoftmax(output, -1), -1), -smoothing)),
    correct: (outputs, targets, width) => countCorrect(outputs, targets as ArrayLike<bigint>, width),
  };
}

/**
 * Mean squared error over the outputs, against float targets shaped like them (regression,
 * and the sigmoid networks of the MGD papers). Correct = every output on the same side of
 * 0.5 as its target: the thresholded accuracy of the parity and NIST7×7 experiments.
 */
export function mseObjective(): Objective {
  return {
    name: 'mse',
    target: (outputs) => ({ dtype: 'float32', shape: [outputs] }),
    loss: (output, target) => mse(output, target),
    correct(outputs, targets, width) {
      let correct = 0;
      for (let i = 0; i < outputs.length / width; i++) {
        let right = true;
        for (let j = 0; j < width && right; j++) right = outputs[i * width + j]! > 0.5 === Number(targets[i * width + j]!) > 0.5;
        if (right) correct++;
      }
      return correct;
    },
  };
}

/** The objectives a config can name. */
export const OBJECTIVE_SPECS: readonly string[] = Object.freeze(['cross-entropy', 'cross-entropy:<label smoothing>', 'mse']);

/** The objective a spec names: 'cross-entropy', 'cross-entropy:0.01' (label smoothing) or 'mse'. Throws a RangeError for others. */
export function objectiveFromSpec(spec: string): Objective {
  if (spec === 'mse') return mseObjective();
  const m = /^cross-entropy(?::(.+))?$/.exec(spec);
  if (m) {
    const smoothing = m[1] === undefined ? 0 : Number(m[1]);
    if (m[1] !== undefined && (m[1].trim() === '' || !(smoothing >= 0 && smoothing < 1))) throw new RangeError(`objective '${spec}': label smoothing must be a number in [0, 1)`);
    return crossEntropyObjective(smoothing);
  }
  throw new RangeError(`unknown objective '${spec}'; objectives: ${OBJECTIVE_SPECS.join(', ')}`);
}
