import { topoSort } from '../engine/ir/graph.js';
import type { Tensor } from '../engine/ir/tensor.js';

/**
 * For each node in order (activity sites, block outputs), the parameters it is the
 * first to depend on: the weights of the layer, or block, that produced it. A site's
 * weight gradient is then the local VJP of its value, which never reaches past the
 * previous site. Parameters no node depends on are returned as `unused`.
 */
export function ownership(nodes: readonly Tensor[], params: readonly Tensor[]): { owned: Tensor[][]; unused: Tensor[] } {
  const remaining = new Set(params);
  const owned = nodes.map((z) => {
    const mine = topoSort([z]).filter((t) => remaining.has(t));
    for (const p of mine) remaining.delete(p);
    return mine;
  });
  return { owned, unused: params.filter((p) => remaining.has(p)) };
}
