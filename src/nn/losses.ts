import type { Tensor } from '../engine/ir/tensor.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { softmaxCrossEntropy } from '../engine/ops/softmax-cross-entropy.js';
import { sub } from '../engine/ops/sub.js';

/** Per-example softmax cross-entropy of logits [..., classes] against int64 labels [...]. */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return softmaxCrossEntropy(logits, labels);
}

/** Per-example mean squared error over the last axis. */
export function mse(prediction: Tensor, target: Tensor): Tensor {
  const diff = sub(prediction, target);
  return mean(mul(diff, diff), -1);
}
