import type { DType } from '../ir/dtype.js';
import { OpError } from '../ir/errors.js';
import type { HostTensor } from '../ir/host-tensor.js';
import { currentScope } from '../ir/scope.js';
import type { Shape } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import type { LowerContext } from '../onnx/lower-context.js';

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/**
 * Everything forwardprop knows about one primitive, side by side: its shape/dtype
 * rule, forward-mode (JVP) and reverse-mode (VJP) rules, ONNX lowering, and a plain
 * TypeScript reference evaluation used as the test oracle.
 *
 * Rules build their results from other primitives, so transformed graphs are
 * ordinary graphs that lower and run like any other.
 */
export interface OpDef<P> {
  readonly name: string;
  /** Exact input count, or a range for ops with optional or variadic inputs. */
  readonly arity: number | { readonly min: number; readonly max?: number };
  /** Output dtype and shape; throws with a reason when the inputs or params do not fit. */
  infer(inputs: readonly TensorType[], params: P): TensorType;
  /** Tangent of the output given input tangents (null = zero); null when the output tangent is zero. */
  jvp(primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P, out: Tensor): Tensor | null;
  /** Cotangents of the inputs given the output's cotangent (null = zero or not differentiable). */
  vjp(cotangent: Tensor, primals: readonly Tensor[], params: P, out: Tensor): readonly (Tensor | null)[];
  /** Emits ONNX nodes computing the output from the named inputs; returns the output's name. */
  lower(ctx: LowerContext, inputs: readonly string[], params: P, node: Tensor): string;
  /** Reference evaluation on host data (`out` is the node's type with concrete dims). */
  evaluate(inputs: readonly HostTensor[], params: P, out: { dtype: DType; shape: readonly number[] }): HostTensor;
}

// Nodes store their op existentially; each def only ever sees its own params.
export type AnyOpDef = OpDef<any>;

const registry = new Map<string, AnyOpDef>();

/** Registers a primitive; names are unique so a graph's ops can be looked up by name. */
export function defineOp<P>(def: OpDef<P>): OpDef<P> {
  if (registry.has(def.name)) throw new Error(`op '${def.name}' is already defined`);
  registry.set(def.name, def);
  return def;
}

export function registeredOps(): readonly AnyOpDef[] {
  return [...registry.values()];
}

/**
 * The one dispatch point that builds a node: checks arity and input kinds, runs the
 * op's shape rule, and turns any failure into an OpError naming the op, the input
 * shapes and the model scope.
 */
export function apply<P>(def: OpDef<P>, inputs: readonly Tensor[], params: P): Tensor {
  const scope = currentScope();
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${def.name}: input ${i} is not a Tensor${scope ? ` (in '${scope}')` : ''}`);
  });
  const { min, max } = typeof def.arity === 'number' ? { min: def.arity, max: def.arity } : def.arity;
  if (inputs.length < min || (max !== undefined && inputs.length > max)) {
    const expected = min === max ? `${min}` : max === undefined ? `at least ${min}` : `${min} to ${max}`;
    throw new OpError(def.name, inputs, scope, `expects ${expected} inputs, got ${inputs.length}`);
  }
  let type: TensorType;
  try {
    type = def.infer(inputs, params);
  } catch (e) {
    throw new OpError(def.name, inputs, scope, e instanceof Error ? e.message : String(e));
  }
  return new Tensor(type.dtype, type.shape, { kind: 'op', def, params, inputs });
}

/**
 * The op definition behind an op node, checked against the registry so that a node
 * built from an unregistered or incomplete definition fails with the op's name.
 */
export function opOf(node: Tensor, rule: 'jvp' | 'vjp' | 'lower' | 'evaluate'): { def: AnyOpDef; params: unknown } {
  if (node.source.kind !== 'op') throw new Error(`internal: ${node} is not an op node`);
  const { def, params } = node.source;
  if (registry.get(def.name) !== def) {
    throw new OpError(def.name, node.inputs, node.scope, `unknown op '${def.name}': it was not created with defineOp`);
  }
  if (typeof def[rule] !== 'function') {
    throw new OpError(def.name, node.inputs, node.scope, `op '${def.name}' has no ${rule} rule`);
  }
  return { def, params };
}
