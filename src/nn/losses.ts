import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { div } from '../engine/ops/div.js';
import { mean } from '../engine/ops/mean.js';
import { sqrt } from '../engine/ops/sqrt.js';
import { sum } from '../engine/ops/sum.js';
import { mul } from '../engine/ops/mul.js';
import { softmaxCrossEntropy } from '../engine/ops/softmax-cross-entropy.js';
import { sub } from '../engine/ops/sub.js';

/** Per-example softmax cross-entropy of logits [..., classes] against int64 labels [...]. */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return softmaxCrossEntropy(logits, labels);
}

/** Rows of z [..., D] scaled to unit Euclidean length, for cosine similarities (a tiny floor keeps a zero row finite). */
export function unitRows(z: Tensor): Tensor {
  return div(z, sqrt(add(sum(mul(z, z), -1, true), 1e-12)));
}

/** Per-example mean squared error over the last axis. */
export function mse(prediction: Tensor, target: Tensor): Tensor {
  const diff = sub(prediction, target);
  return mean(mul(diff, diff), -1);
}
