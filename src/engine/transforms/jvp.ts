import { isFloat } from '../ir/dtype.js';
import { topoSort } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { opOf } from '../ops/op-def.js';
import { zerosLike } from '../ops/rules.js';
import { checkPairing, checkRuleResult } from './check.js';

/**
 * Forward mode: builds the tangents of `outputs` given tangents seeded at any nodes.
 * The result is part of the same graph as the primals, so one run returns both and no
 * graph is stored. Seeding an internal node (a pre-activation) overrides whatever
 * tangent would flow into it: that is how activity perturbation is expressed.
 */
export function jvp(outputs: readonly Tensor[], seeds: ReadonlyMap<Tensor, Tensor>): Tensor[] {
  for (const [primal, tangent] of seeds) {
    if (!isFloat(primal.dtype)) throw new TypeError(`cannot seed a tangent for non-float ${primal}`);
    checkPairing('tangent', primal, tangent);
  }
  const tangents = new Map<Tensor, Tensor | null>();
  for (const node of topoSort(outputs)) {
    const seeded = seeds.get(node);
    if (seeded !== undefined) {
      tangents.set(node, seeded);
      continue;
    }
    if (node.source.kind !== 'op') {
      tangents.set(node, null);
      continue;
    }
    const inputTangents = node.inputs.map((i) => tangents.get(i) ?? null);
    if (inputTangents.every((t) => t === null)) {
      tangents.set(node, null);
      continue;
    }
    const { def, params } = opOf(node, 'jvp');
    const tangent = def.jvp(node.inputs, inputTangents, params, node);
    if (tangent !== null) checkRuleResult(node, 'jvp', tangent, node, 'the output');
    tangents.set(node, tangent);
  }
  return outputs.map((o) => tangents.get(o) ?? zerosLike(o));
}
