import { type Feeds, bindFeeds } from '../ir/bind.js';
import { OpError } from '../ir/errors.js';
import type { GraphSpec } from '../ir/graph.js';
import { topoSort } from '../ir/graph.js';
import type { HostTensor } from '../ir/host-tensor.js';
import { formatShape, resolveShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { opOf } from '../ops/op-def.js';

/**
 * Evaluates a graph with each op's TypeScript reference rule. Slow and simple: the
 * oracle that ONNX lowerings and derivative rules are tested against, in any dtype
 * (onnxruntime's CPU provider lacks float64 kernels for some ops).
 */
export function interpret(spec: GraphSpec, feeds: Feeds): HostTensor[] {
  const { values, symbols } = bindFeeds(spec, feeds);
  const env = new Map<Tensor, HostTensor>();
  spec.inputs.forEach((t, i) => env.set(t, values[i]!));
  for (const node of topoSort(spec.outputs)) {
    if (env.has(node)) continue;
    const src = node.source;
    if (src.kind === 'input') throw new Error(`input '${src.name}' is used by an output but is not among the graph's inputs`);
    if (src.kind === 'constant') {
      env.set(node, src.value);
      continue;
    }
    const { def, params } = opOf(node, 'evaluate');
    const shape = resolveShape(node.shape, symbols);
    const result = def.evaluate(node.inputs.map((i) => env.get(i)!), params, { dtype: node.dtype, shape });
    if (result.dtype !== node.dtype || !shapesEqual(result.shape, shape)) {
      throw new OpError(def.name, node.inputs, node.scope, `reference produced ${result.dtype}${formatShape(result.shape)}, expected ${node.dtype}${formatShape(shape)}`);
    }
    env.set(node, result);
  }
  return spec.outputs.map((t) => env.get(t)!);
}
