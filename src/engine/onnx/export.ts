import { type Feeds, bindFeeds, inputName } from '../ir/bind.js';
import type { GraphSpec } from '../ir/graph.js';
import type { HostTensor } from '../ir/host-tensor.js';
import type { Tensor } from '../ir/tensor.js';
import { lowerToBytes } from './lower.js';

/**
 * A standalone ONNX model: the inputs named in `weights` become initializers holding
 * those values, the rest stay graph inputs (symbolic dims stay dynamic). Any
 * onnxruntime, in any language, runs the result without forwardprop.
 */
export function exportOnnx(spec: GraphSpec, weights: Feeds): Uint8Array {
  const names = spec.inputs.map(inputName);
  for (const name of Object.keys(weights)) {
    if (!names.includes(name)) throw new RangeError(`weight '${name}' is not an input of the graph (inputs: ${names.join(', ')})`);
  }
  const baked = spec.inputs.filter((t) => inputName(t) in weights);
  // Reuse feed validation: every weight must match its input's dtype and shape.
  const { values } = bindFeeds({ inputs: baked, outputs: [] }, weights);
  const initializers = new Map<Tensor, HostTensor>(baked.map((t, i) => [t, values[i]!]));
  return lowerToBytes(spec, { initializers });
}
