import { broadcastShapes, formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { logSoftmax } from './log-softmax.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { oneHot } from './one-hot.js';
import { sum } from './sum.js';

/**
 * Per-example cross-entropy -log softmax(logits)[label] over the last axis, for int64
 * class `labels` shaped like `logits` without that axis, or broadcasting to it (labels
 * [batch] against logits [K, batch, classes] for K perturbed copies). A composite, not a
 * primitive: its derivatives come from logSoftmax's.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const classes = logits.shape[logits.rank - 1];
  const lead = logits.shape.slice(0, -1);
  const joint = broadcastShapes(labels.shape, lead);
  if (typeof classes !== 'number' || joint === undefined || !shapesEqual(joint, lead)) {
    throw new RangeError(`softmaxCrossEntropy: labels ${formatShape(labels.shape)} must broadcast to the shape of logits ${formatShape(logits.shape)} without its last, concrete axis`);
  }
  return neg(sum(mul(logSoftmax(logits), oneHot(labels, classes, logits.dtype)), -1));
}
