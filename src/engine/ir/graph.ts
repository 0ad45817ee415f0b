import type { Tensor } from './tensor.js';

/** What a compiled function computes: outputs from named inputs. */
export interface GraphSpec {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
}

/** Nodes reachable from `outputs`, inputs before the nodes that use them (iterative, so deep graphs are fine). */
export function topoSort(outputs: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const state = new Map<Tensor, 'open' | 'done'>();
  const stack: { node: Tensor; next: number }[] = [];
  for (const root of outputs) {
    if (state.has(root)) continue;
    stack.push({ node: root, next: 0 });
    state.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.node.inputs[top.next++];
      if (child === undefined) {
        stack.pop();
        state.set(top.node, 'done');
        order.push(top.node);
      } else if (!state.has(child)) {
        state.set(child, 'open');
        stack.push({ node: child, next: 0 });
      }
    }
  }
  return order;
}
