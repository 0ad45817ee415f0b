import { formatShape } from '../engine/ir/shape.js';
import type { Seed } from '../rng/stream.js';
import { Model } from './model.js';
import type { Module } from './module.js';

/**
 * A model that starts from given parameter values (an imported file's weights, a base
 * model's θ) instead of drawn ones. `init(seed)` returns those values; parameters
 * without one (adapters, prompts) are drawn by their initialisers as usual.
 */
export class PretrainedModel extends Model {
  constructor(
    net: Module,
    inputShape: readonly number[],
    outputs: number,
    spec: string,
    /** Initial values by parameter name, each of the parameter's size. */
    readonly values: ReadonlyMap<string, Float32Array>,
  ) {
    super(net, inputShape, outputs, spec);
    for (const [name, v] of values) {
      const entry = this.layout.get(name);
      if (v.length !== entry.size) throw new RangeError(`initial value of '${name}' has ${v.length} elements, the parameter ${formatShape(entry.shape)} has ${entry.size}`);
    }
  }

  override init(seed: Seed): Float32Array {
    const theta = super.init(seed);
    for (const [name, v] of this.values) theta.set(v, this.layout.get(name).offset);
    return theta;
  }
}
