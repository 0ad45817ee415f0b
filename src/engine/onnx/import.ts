import { isFloat } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { withScope } from '../ir/scope.js';
import type { Tensor } from '../ir/tensor.js';
import { cast } from '../ops/cast.js';
import { greater } from '../ops/greater.js';
import { type ImportContext, IMPORTERS, Attributes, Traced, type Value, asTraced, fromHost } from './import-ops.js';
import type { OnnxGraph, OnnxNode } from './read.js';
import { StaticValue } from './static-values.js';

export { Attributes, Traced, insertTokens } from './import-ops.js';

/** The op types the importer maps, sorted. */
export function supportedOps(): string[] {
  return Object.keys(IMPORTERS).sort();
}

/** Nodes the importer cannot map: op types it lacks, or operators from other domains. */
export function unsupportedNodes(graph: OnnxGraph): OnnxNode[] {
  return graph.nodes.filter((n) => n.domain !== '' || !Object.hasOwn(IMPORTERS, n.opType));
}

/** Throws one Error listing every node the importer cannot map (name and op type), or returns. */
export function checkSupported(graph: OnnxGraph): void {
  const missing = unsupportedNodes(graph);
  if (missing.length === 0) return;
  const list = missing.map((n) => `'${n.name}' (${n.domain ? `${n.domain}.` : ''}${n.opType})`).join(', ');
  throw new Error(`${graph.source}: ${missing.length} node${missing.length > 1 ? 's use ops' : ' uses an op'} the importer does not map: ${list}. Supported ops: ${supportedOps().join(', ')}. Loss-only methods can still train the file as a black box.`);
}

const NONLINEAR = new Set(['Relu', 'Gelu', 'Tanh', 'Sigmoid']);
const LINEAR_MAPS = new Set(['Gemm', 'MatMul', 'Conv']);

/**
 * The pre-activations of an imported graph: outputs of Gemm, MatMul or Conv (after
 * a bias Add or an inference BatchNormalization) that feed a nonlinearity — Relu,
 * Gelu, Tanh, Sigmoid, or the Erf of an exported GELU (z · 0.5 · (1 + erf(z / √2))).
 * Activity perturbation (fg-a, lr) perturbs these, as nn's layers mark theirs; `relu`
 * says the site's units can be masked by liveness. Softmax inputs (attention scores)
 * are not sites: they carry no layer of their own.
 */
export function activitySites(graph: OnnxGraph): Map<string, { readonly relu: boolean }> {
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const constantLike = (name: string) => graph.initializers.has(name) || producer.get(name)?.opType === 'Constant';
  const linear = (name: string) => LINEAR_MAPS.has(producer.get(name)?.opType ?? '');
  const preActivation = (name: string): boolean => {
    const p = producer.get(name);
    if (p === undefined) return false;
    if (LINEAR_MAPS.has(p.opType)) return true;
    if (p.opType === 'Add') return p.inputs.some(linear) && p.inputs.some(constantLike);
    return p.opType === 'BatchNormalization' && linear(p.inputs[0]!);
  };
  const sites = new Map<string, { relu: boolean }>();
  const mark = (z: string, relu: boolean) => {
    if (preActivation(z)) sites.set(z, { relu: relu || (sites.get(z)?.relu ?? false) });
  };
  for (const n of graph.nodes) {
    if (NONLINEAR.has(n.opType)) mark(n.inputs[0]!, n.opType === 'Relu');
    if (n.opType === 'Erf') {
      const scaled = producer.get(n.inputs[0]!);
      if (scaled && (scaled.opType === 'Div' || scaled.opType === 'Mul') && constantLike(scaled.inputs[1]!)) mark(scaled.inputs[0]!, false);
    }
  }
  return sites;
}

/** What an import builds against: the data, the parameters and the hooks of a model build. */
export interface ImportEnv {
  /** The data input: [...lead, batch, ...the file's input dims]. */
  readonly x: Tensor;
  /** Leading copy axes on x and on parameters (0, or 1 for weight perturbation). */
  readonly lead: number;
  /**
   * The tensor standing for a float initializer: a parameter ([...lead, ...dims]), any
   * tensor computed from parameters (an adapted weight), or undefined to use the file's
   * values as a constant. Its copy axes are read off its rank.
   */
  readonly initializer?: (name: string) => Tensor | undefined;
  /** Marks a pre-activation (see `activitySites`); returns what to use downstream. */
  readonly activity?: (z: Tensor, mask: Tensor | undefined) => Tensor;
  /** Replaces values by name as they are computed (e.g. inserting prompt tokens). */
  readonly rewrite?: ReadonlyMap<string, (value: Traced) => Traced>;
}

function rethrow(graph: OnnxGraph, node: OnnxNode, e: unknown): never {
  const message = `${graph.source}: node '${node.name}' (${node.opType}): ${e instanceof Error ? e.message : String(e)}`;
  throw e instanceof TypeError ? new TypeError(message) : e instanceof RangeError ? new RangeError(message) : new Error(message);
}

/**
 * Builds an imported ONNX graph from forwardprop ops, so JVP, VJP and every estimator
 * apply to it, and returns its first output ([...lead, batch, ...]). Integer shape
 * arithmetic is folded at import; every axis a node names counts from the end of the
 * copy axes (see import-ops.ts). Throws Error listing every unsupported node, and
 * errors naming the file and node for nodes whose attributes or inputs do not map.
 */
export function buildOnnxGraph(graph: OnnxGraph, env: ImportEnv): Tensor {
  checkSupported(graph);
  const core = env.x.shape.slice(env.lead);
  const expected = graph.input.shape;
  if (core.length !== expected.length || core.some((d, i) => i > 0 && typeof expected[i] === 'number' && d !== expected[i])) {
    throw new RangeError(`${graph.source}: input '${graph.input.name}' takes ${formatShape(expected)}, got data shaped ${formatShape(core)}`);
  }
  const sites = env.activity ? activitySites(graph) : new Map<string, { relu: boolean }>();
  const values = new Map<string, Value>([[graph.input.name, new Traced(env.x, env.lead)]]);
  const lookup = (name: string): Value => {
    const known = values.get(name);
    if (known !== undefined) return known;
    const host = graph.initializers.get(name);
    if (host === undefined) throw new RangeError(`value '${name}' is not computed by any earlier node`);
    const param = isFloat(host.dtype) ? env.initializer?.(name) : undefined;
    const value = param === undefined ? fromHost(host) : new Traced(param, param.rank - host.shape.length);
    values.set(name, value);
    return value;
  };
  for (const node of graph.nodes) {
    withScope(node.name, () => {
      try {
        const context = nodeContext(graph, node, lookup);
        const result = IMPORTERS[node.opType]!(context);
        const outputs = Array.isArray(result) ? result : [result];
        node.outputs.forEach((name, i) => {
          if (name === '') return;
          let value = outputs[i];
          if (value === undefined) throw new RangeError(`output ${i} ('${name}') is not supported`);
          if (value instanceof Traced) value = env.rewrite?.get(name)?.(value) ?? value;
          const site = sites.get(name);
          if (site && value instanceof Traced) {
            const z = value.t;
            value = new Traced(env.activity!(z, site.relu ? cast(greater(z, 0), z.dtype) : undefined), value.lead);
          }
          values.set(name, value);
        });
      } catch (e) {
        rethrow(graph, node, e);
      }
    });
  }
  const output = graph.outputs[0]!;
  const value = lookup(output.name);
  if (!(value instanceof Traced)) throw new RangeError(`${graph.source}: output '${output.name}' does not depend on the input`);
  return value.t;
}

function nodeContext(graph: OnnxGraph, node: OnnxNode, lookup: (name: string) => Value): ImportContext {
  const input = (i: number): Value | undefined => {
    const name = node.inputs[i];
    return name === undefined || name === '' ? undefined : lookup(name);
  };
  const required = (i: number): Value => {
    const v = input(i);
    if (v === undefined) throw new RangeError(`input ${i} is missing`);
    return v;
  };
  return {
    node,
    opset: graph.opset,
    attr: new Attributes(node),
    input,
    tensor: (i) => asTraced(required(i), `input ${i} ('${node.inputs[i]}')`),
    static: (i) => {
      const v = required(i);
      if (v instanceof StaticValue) return v;
      if (v.t.source.kind === 'constant') return StaticValue.of(v.t.source.value);
      throw new RangeError(`input ${i} ('${node.inputs[i]}') must be known when the model is imported, but it is computed from the data`);
    },
  };
}
