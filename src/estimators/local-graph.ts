import { topoSort } from '../engine/ir/graph.js';
import type { Tensor } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { sum } from '../engine/ops/sum.js';
import { type Granularity, type LocalLoss, localLoss } from '../nn/local-loss.js';
import type { ActivitySite, LocalBlock, Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { type ProgramInputs, programInputs } from '../objectives/program-inputs.js';

/** The graph every local-loss method starts from. */
export interface LocalGraph extends ProgramInputs {
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
export function localGraph(model: Model, objective: Objective, granularity: Granularity, feedback?: ReadonlyMap<string, Tensor>): LocalGraph {
  if (objective.target(model.outputs).dtype !== 'int64') throw new RangeError(`local losses are classification losses (their heads predict the class); objective '${objective.name}' is not`);
  const { x, y } = programInputs(model, objective);
  const params = model.paramInputs();
  const { out, sites, blocks } = model.forward(x, params, { local: true });
  if (blocks.length === 0) throw new RangeError(`local losses need a model built of blocks with local heads (a localmixer), not '${model.spec}'`);
  const headFeedback = (block: LocalBlock) => {
    const name = model.layout.entries[params.indexOf(block.head.weight)]?.name;
    return name === undefined ? undefined : feedback?.get(name);
  };
  const local = blocks.map((block) => localLoss(block, y, granularity, headFeedback(block)));
  const losses = objective.loss(out, y);
  const feeding = new Set(topoSort(blocks.map((b) => b.output)));
  const body = params.filter((p) => feeding.has(p));
  const heads = params.filter((p) => !feeding.has(p));
  const exact = local.reduce((total, l) => add(total, mean(l.head)), mean(losses));
  return { x, y, params, losses, sites, blocks, local, body, heads, exact };
}

/** Σ over slots, mean over the batch: the objective whose gradient the slot losses' derivatives add up to. */
export function slotObjective(slots: Tensor): Tensor {
  return mean(slots.rank > 1 ? sum(slots, slots.shape.slice(1).map((_, i) => i + 1)) : slots);
}
