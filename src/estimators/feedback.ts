import { type Tensor, input } from '../engine/ir/tensor.js';
import type { Model } from '../nn/model.js';
import type { ParamEntry } from '../nn/params.js';
import { fillGaussian } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/** Stream id of feedback weights (FA) and feedback matrices (DFA) under the estimator seed. */
export const FEEDBACK_STREAM = 0x6662; // 'fb'

/**
 * Fixed random feedback weights for feedback alignment (Lillicrap et al. 2016): one per
 * weight matrix or kernel (rank ≥ 2), drawn once from the seed with the scale of a
 * Kaiming initialisation and never trained. Reverse mode uses them in place of the
 * weights (`vjp`'s substitutes), so errors travel back through fixed random paths.
 */
export class FeedbackWeights {
  readonly inputs: ReadonlyMap<string, Tensor>;
  readonly values: Readonly<Record<string, Float32Array>>;

  constructor(model: Model, seed: Seed) {
    const weights = model.layout.entries.filter((e) => e.shape.length >= 2);
    this.inputs = new Map(weights.map((e) => [e.name, input(`${e.name}:feedback`, 'float32', e.shape)]));
    this.values = Object.fromEntries(weights.map((e) => [`${e.name}:feedback`, draw(e, seed)]));
  }

  /** Each weight's graph input → its feedback input, for `vjp`. */
  substitutes(model: Model, params: readonly Tensor[]): Map<Tensor, Tensor> {
    return new Map(model.layout.entries.flatMap((e, i) => (this.inputs.has(e.name) ? [[params[i]!, this.inputs.get(e.name)!] as const] : [])));
  }
}

function draw(entry: ParamEntry, seed: Seed): Float32Array {
  const fanIn = entry.init.kind === 'kaiming' || entry.init.kind === 'glorot' ? entry.init.fanIn : entry.shape[entry.shape.length - 2]!;
  const values = new Float32Array(entry.size);
  fillGaussian(values, seed, entry.offset, Math.sqrt(2 / fanIn));
  return values;
}
