import { topoSort } from '../engine/ir/graph.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { sum } from '../engine/ops/sum.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import type { Batch } from '../data/batches.js';
import { augmentView } from '../data/augment.js';
import { type Granularity, type LocalLoss, contrastiveLocalLoss, localLoss } from '../nn/local-loss.js';
import { stepKey } from '../objectives/directions.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import type { OptionSpec } from './options.js';
import type { ActivitySite, LocalBlock, Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { type ProgramInputs, programInputs } from '../objectives/program-inputs.js';

/**
 * What each block's local loss asks of its head: to classify the block's output
 * ('supervised', Ren et al.'s Table 3) or to match the output's projection with that of a
 * second augmented view of the example among the batch's ('contrastive', InfoNCE, Table 4).
 */
export type LocalObjective = 'supervised' | 'contrastive';

export const LOCAL_OBJECTIVE_OPTION: OptionSpec<LocalObjective> = {
  type: 'string',
  default: 'supervised',
  choices: ['supervised', 'contrastive'],
  help: "blocks' local losses: 'supervised' (cross-entropy of each head) or 'contrastive' (InfoNCE between two augmented views per example, the readout trained on the frozen features)",
};

/** InfoNCE temperature τ of the contrastive local losses (SimCLR's range; ours, not the paper's, which we could not read). */
export const CONTRASTIVE_TEMPERATURE = 0.1;

/** The graph every local-loss method starts from. */
export interface LocalGraph extends ProgramInputs {
  /** The second view's input (contrastive local losses), fed by `contrastiveViews`. */
  readonly view?: Tensor;
  readonly params: Tensor[];
  /** Per-example loss of the readout, which sees the last block through a stop-gradient. */
  readonly losses: Tensor;
  readonly sites: ActivitySite[];
  readonly blocks: LocalBlock[];
  readonly local: LocalLoss[];
  /** Parameters feeding the blocks (trained by the local losses) … */
  readonly body: Tensor[];
  /** … and the rest: local heads and readout, trained by their exact gradients. */
  readonly heads: Tensor[];
  /** Mean readout loss plus the heads' mean losses: the objective of `heads`. */
  readonly exact: Tensor;
}

/**
 * Builds a model for local losses (Ren et al. 2023): a stop-gradient after every block
 * and before the readout, and each block's local loss at `granularity`. The heads and
 * readout are tiny and see stop-gradient inputs, so every method trains them with
 * their exact gradients, as the paper does; the methods differ in how the body learns.
 */
export function localGraph(model: Model, objective: Objective, granularity: Granularity, feedback?: ReadonlyMap<string, Tensor>, kind: LocalObjective = 'supervised'): LocalGraph {
  if (objective.target(model.outputs).dtype !== 'int64') throw new RangeError(`local losses are classification losses (their heads predict the class); objective '${objective.name}' is not`);
  const { x, y } = programInputs(model, objective);
  const params = model.paramInputs();
  const { out, sites, blocks } = model.forward(x, params, { local: true });
  if (blocks.length === 0) throw new RangeError(`local losses need a model built of blocks with local heads (a localmixer), not '${model.spec}'`);
  const headFeedback = (block: LocalBlock) => {
    const name = model.layout.entries[params.indexOf(block.head.weight)]?.name;
    return name === undefined ? undefined : feedback?.get(name);
  };
  // The second view runs through the same parameters; every use of it is under a stop-gradient.
  const view = kind === 'contrastive' ? model.inputTensor('view') : undefined;
  const views = view && model.forward(view, params, { local: true }).blocks;
  const local = blocks.map((block, b) => (views ? contrastiveLocalLoss(block, views[b]!.output, granularity, CONTRASTIVE_TEMPERATURE, headFeedback(block)) : localLoss(block, y, granularity, headFeedback(block))));
  const losses = objective.loss(out, y);
  const feeding = new Set(topoSort(blocks.map((b) => b.output)));
  const body = params.filter((p) => feeding.has(p));
  const heads = params.filter((p) => !feeding.has(p));
  const exact = local.reduce((total, l) => add(total, mean(l.head)), mean(losses));
  return { x, y, ...(view && { view }), params, losses, sites, blocks, local, body, heads, exact };
}

/** Stream id of the contrastive views under an estimator's seed. */
const VIEWS_STREAM = 0x7677; // 'vw'

/**
 * The two augmented views of a step's batch (see augmentView), as feeds: `x` the first
 * (the one the local losses and the readout learn from) and `view` the second. Drawn from
 * (seed, step), so every local-loss method with the same seed sees the same views.
 */
export function contrastiveViews(model: Model, batch: Batch, seed: Seed, step: number): { x: HostTensor<'float32'>; view: HostTensor<'float32'> } {
  const x = model.inputFeed(batch.x);
  const key = stepKey(deriveSeed(seed, VIEWS_STREAM), step);
  const [first, second] = [0, 1].map((v) => new HostTensor('float32', x.shape, augmentView(x.data, model.inputShape, deriveSeed(key, v))));
  return { x: first!, view: second! };
}

/** Forward evaluations per example of a local-loss step: one, or one per view. */
export function viewsOf(kind: LocalObjective): number {
  return kind === 'contrastive' ? 2 : 1;
}

/** Σ over slots, mean over the batch: the objective whose gradient the slot losses' derivatives add up to. */
export function slotObjective(slots: Tensor): Tensor {
  return mean(slots.rank > 1 ? sum(slots, slots.shape.slice(1).map((_, i) => i + 1)) : slots);
}
