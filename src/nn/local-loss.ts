import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { log } from '../engine/ops/log.js';
import { grad } from '../engine/transforms/vjp.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { exp } from '../engine/ops/exp.js';
import { logSoftmax } from '../engine/ops/log-softmax.js';
import { matmul } from '../engine/ops/matmul.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { oneHot } from '../engine/ops/one-hot.js';
import { reshape } from '../engine/ops/reshape.js';
import { stopGradient } from '../engine/ops/stop-gradient.js';
import { sub } from '../engine/ops/sub.js';
import { sum } from '../engine/ops/sum.js';
import { matrixTranspose } from '../engine/ops/transpose.js';
import { crossEntropy, unitRows } from './losses.js';
import type { LocalBlock } from './model.js';

/**
 * How finely a block's loss is split (Ren et al. 2023): one loss per example
 * ('block'), one per example and patch ('patch', weights shared across patches), or
 * one per example, patch and channel group ('group').
 */
export type Granularity = 'block' | 'patch' | 'group';

export interface LocalLoss {
  /**
   * The slot losses, [batch] | [batch, P] | [batch, P, G]. Each has the value of the
   * block's cross-entropy, and as derivative with respect to the block's output that of
   * its own slot under the replicated aggregator: slot (p, g) classifies
   * x̄ = (1/P)(x_{p,g} + Σ_{p'≠p} SG(x_{p',g})) joined with SG of the other groups, so only
   * its own patch and group send it signal.
   */
  readonly slots: Tensor;
  /** Per-example cross-entropy of the head on the stop-gradient pooled output: the head's exact training signal. */
  readonly head: Tensor;
}

/**
 * The local loss of one block: a linear head on the patch-averaged output. Rather than
 * P·G copies of the head, the slots are built as CE + (s − SG(s)) with s the
 * first-order term (1/P) Σ_{c∈g} x_{p,c} rᶜ, r = SG(∂CE/∂logits) Wᵀ: equal in value, and
 * exactly the replicated aggregator's in first derivatives, at the cost of one
 * elementwise product. `feedback` replaces W in r (feedback alignment).
 */
export function localLoss(block: LocalBlock, labels: Tensor, granularity: Granularity, feedback?: Tensor): LocalLoss {
  const x = checkOutput(block);
  const { weight, bias } = block.head;
  const pooled = mean(x, -2);
  const logits = add(matmul(pooled, weight), bias);
  const ce = crossEntropy(logits, labels);
  const head = crossEntropy(add(matmul(stopGradient(pooled), weight), bias), labels);
  const error = stopGradient(sub(exp(logSoftmax(logits)), oneHot(labels, weight.shape[1] as number, x.dtype)));
  const r = matmul(error, matrixTranspose(stopGradient(feedback ?? weight)));
  return { slots: slotLosses(block, ce, r, granularity), head };
}

/**
 * The contrastive local loss of one block (Ren et al. 2023, §5.3 and Table 4: SimCLR's
 * InfoNCE, Chen et al. 2020): the head projects the patch-averaged output of each view to
 * z, normalised to unit length; example i's loss is −log softmax_j(zᵢ·z'ⱼ/τ)ᵢ against the
 * second view z' of every example in the batch, under a stop-gradient, without which Ren
 * et al. found it does not learn. `view` is the block's output on the second view. The
 * slots are built as for the supervised loss, with r = SG(∂ℓᵢ/∂pooledᵢ) computed by reverse
 * mode (ℓᵢ depends on example i's pooled output alone, as the other views are constants);
 * `feedback` replaces the head's weight in it (feedback alignment).
 */
export function contrastiveLocalLoss(block: LocalBlock, view: Tensor, granularity: Granularity, temperature: number, feedback?: Tensor): LocalLoss {
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  const x = checkOutput(block);
  const { weight, bias } = block.head;
  const project = (pooled: Tensor) => unitRows(add(matmul(pooled, weight), bias));
  const pooled = mean(x, -2);
  const other = stopGradient(project(mean(view, -2)));
  const loss = infoNce(project(pooled), other, temperature);
  const [r] = grad(sum(loss), [pooled], feedback ? { substitutes: new Map([[weight, feedback]]) } : {});
  return { slots: slotLosses(block, loss, stopGradient(r!), granularity), head: infoNce(project(stopGradient(pooled)), other, temperature) };
}

/** InfoNCE per row of z [batch, D] against z' [batch, D] (both unit rows): log Σⱼ exp(zᵢ·z'ⱼ/τ) − zᵢ·z'ᵢ/τ. */
function infoNce(z: Tensor, other: Tensor, temperature: number): Tensor {
  const logits = mul(matmul(z, matrixTranspose(other)), 1 / temperature);
  const positive = mul(sum(mul(z, other), -1), 1 / temperature);
  return sub(log(sum(exp(logits), -1)), positive);
}

function checkOutput(block: LocalBlock): Tensor {
  if (block.output.rank !== 3) throw new RangeError(`local losses need block outputs [batch, patches, channels], got ${block.output}`);
  return block.output;
}

/**
 * Slot losses [batch] | [batch, P] | [batch, P, G] with the value of the block's loss
 * `loss` [batch] and the first derivatives of the replicated aggregator: value + (s − SG(s)),
 * s the first-order term (1/P) Σ_{c∈slot} x_{p,c} rᶜ with r [batch, C] = SG(∂loss/∂pooled).
 */
function slotLosses(block: LocalBlock, loss: Tensor, r: Tensor, granularity: Granularity): Tensor {
  const x = block.output;
  const [batch, patches, channels] = x.shape as [string | number, number, number];
  const terms = mul(x, mul(reshape(r, [batch, 1, channels]), 1 / patches));
  const s =
    granularity === 'group' ? sum(reshape(terms, [batch, patches, block.groups, channels / block.groups]), -1) : granularity === 'patch' ? sum(terms, -1) : sum(terms, [1, 2]);
  const value = broadcastTo(reshape(stopGradient(loss), [batch, ...new Array<number>(s.rank - 1).fill(1)]), s.shape);
  return add(value, sub(s, stopGradient(s)));
}
