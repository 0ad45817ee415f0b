import { isFloat } from '../ir/dtype.js';
import { topoSort } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { opOf } from '../ops/op-def.js';
import { addAll, zerosLike } from '../ops/rules.js';
import { checkPairing, checkRuleResult } from './check.js';

/**
 * Forward mode: builds the tangents of `outputs` given tangents seeded at any nodes.
 * The result is part of the same graph as the primals, so one run returns both and no
 * graph is stored. A seed at an internal node (a pre-activation) is added to the
 * tangent flowing into it, as if that node were perturbed by ε·seed: that is how
 * activity perturbation is expressed, one seed per perturbed layer.
 */
export function jvp(outputs: readonly Tensor[], seeds: ReadonlyMap<Tensor, Tensor>): Tensor[] {
  for (const [primal, tangent] of seeds) {
    if (!isFloat(primal.dtype)) throw new TypeError(`cannot seed a tangent for non-float ${primal}`);
    checkPairing('tangent', primal, tangent);
  }
  const tangents = new Map<Tensor, Tensor | null>();
  for (const node of topoSort(outputs)) {
    tangents.set(node, addAll(propagate(node, tangents), seeds.get(node) ?? null));
  }
  return outputs.map((o) => tangents.get(o) ?? zerosLike(o));
}

/** The tangent flowing into `node` from its inputs' tangents (null when all are zero). */
function propagate(node: Tensor, tangents: ReadonlyMap<Tensor, Tensor | null>): Tensor | null {
  if (node.source.kind !== 'op') return null;
  const inputTangents = node.inputs.map((i) => tangents.get(i) ?? null);
  if (inputTangents.every((t) => t === null)) return null;
  const { def, params } = opOf(node, 'jvp');
  const tangent = def.jvp(node.inputs, inputTangents, params, node);
  if (tangent !== null) checkRuleResult(node, 'jvp', tangent, node, 'the output');
  return tangent;
}
