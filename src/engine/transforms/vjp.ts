import { isFloat } from '../ir/dtype.js';
import { topoSort } from '../ir/graph.js';
import { type Tensor, constant } from '../ir/tensor.js';
import { add } from '../ops/add.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { opOf } from '../ops/op-def.js';
import { zerosLike } from '../ops/rules.js';
import { checkPairing, checkRuleResult } from './check.js';

export interface VjpOptions {
  /**
   * Primal values to use in place of others inside derivative rules only: the
   * forward computation is unchanged. Replacing a weight by fixed random feedback
   * weights turns backprop into feedback alignment.
   */
  readonly substitutes?: ReadonlyMap<Tensor, Tensor>;
}

/**
 * Reverse mode: builds the cotangents of `wrt` given cotangents of `outputs`.
 * Only nodes on a path from `wrt` to `outputs` are differentiated.
 */
export function vjp(outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[], options: VjpOptions = {}): Tensor[] {
  if (cotangents.length !== outputs.length) throw new RangeError(`vjp: ${outputs.length} outputs but ${cotangents.length} cotangents`);
  const substitutes = options.substitutes ?? new Map<Tensor, Tensor>();
  for (const [primal, replacement] of substitutes) checkPairing('substitute', primal, replacement);
  const order = topoSort(outputs);

  const wanted = new Set(wrt);
  const needed = new Set<Tensor>();
  for (const node of order) {
    if (!isFloat(node.dtype)) continue;
    if (wanted.has(node) || node.inputs.some((i) => needed.has(i))) needed.add(node);
  }

  const cts = new Map<Tensor, Tensor>();
  const accumulate = (node: Tensor, ct: Tensor) => {
    const prev = cts.get(node);
    cts.set(node, prev === undefined ? ct : add(prev, ct));
  };
  outputs.forEach((o, i) => {
    checkPairing('cotangent', o, cotangents[i]!);
    if (needed.has(o)) accumulate(o, cotangents[i]!);
  });

  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    const ct = cts.get(node);
    if (ct === undefined || node.source.kind !== 'op') continue;
    const { def, params } = opOf(node, 'vjp');
    const primals = node.inputs.map((i) => substitutes.get(i) ?? i);
    const grads = def.vjp(ct, primals, params, node);
    node.inputs.forEach((input, i) => {
      const g = grads[i] ?? null;
      if (g === null || !needed.has(input)) return;
      checkRuleResult(node, 'vjp', g, input, `input ${i}`);
      accumulate(input, g);
    });
  }
  return wrt.map((w) => cts.get(w) ?? zerosLike(w));
}

/** Gradients of a scalar (or summed) float output with respect to `wrt`. */
export function grad(output: Tensor, wrt: readonly Tensor[], options: VjpOptions = {}): Tensor[] {
  if (!isFloat(output.dtype)) throw new TypeError(`grad: output must be float, got ${output}`);
  return vjp([output], [broadcastTo(constant(1, output.dtype), output.shape)], wrt, options);
}
