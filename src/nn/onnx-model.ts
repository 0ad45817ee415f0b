import { formatShape } from '../engine/ir/shape.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { Attributes, type ImportEnv, Traced, buildOnnxGraph, insertTokens } from '../engine/onnx/import.js';
import type { OnnxGraph } from '../engine/onnx/read.js';
import { withInitializers } from '../engine/onnx/rewrite.js';
import { exportModel } from './export.js';
import type { Model } from './model.js';
import type { MatrixLayout, MatrixLayouts } from './lora.js';
import type { BuildContext, Module, ParamDecl } from './module.js';
import { PretrainedModel } from './pretrained.js';
import { PROMPT, type PromptTokens } from './prompt.js';

const INVALID = /[^\w./:-]/g;

/**
 * Parameter names for initializer names: graph input names allow letters, digits and
 * '_ . / : -' and must start with a letter, digit or '_'; other characters become '_'
 * and clashes get a numeric suffix.
 */
export function parameterNames(names: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  return new Map(
    names.map((name) => {
      let base = name.replace(INVALID, '_');
      if (!/^\w/.test(base)) base = `_${base}`;
      let candidate = base;
      for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
      taken.add(candidate);
      return [name, candidate];
    }),
  );
}

/** Options of an imported graph's module. */
export interface OnnxModuleOptions {
  /** Values to rewrite as they are computed (prompt tokens), with the parameters they add. */
  readonly rewrite?: ReadonlyMap<string, (value: Traced, ctx: BuildContext) => Traced>;
  readonly extraParams?: readonly ParamDecl[];
}

/**
 * An imported ONNX graph as an nn module. Every float initializer is a parameter (named
 * by `parameterNames`); the graph is built from forwardprop ops on each call, so
 * forward- and reverse-mode derivatives, K weight copies (lead = 1) and activity
 * sites (pre-activations of Gemm/MatMul/Conv feeding a nonlinearity) all apply.
 */
export class OnnxModule implements Module, MatrixLayouts, PromptTokens {
  readonly kind = 'onnx';
  /** Parameter name of each float initializer, in file order. */
  readonly names: ReadonlyMap<string, string>;

  constructor(
    readonly graph: OnnxGraph,
    readonly options: OnnxModuleOptions = {},
  ) {
    const floats = [...graph.initializers].filter(([, v]) => v.dtype === 'float32').map(([name]) => name);
    this.names = parameterNames(floats);
  }

  params(): ParamDecl[] {
    const own = [...this.names].map(([initializer, name]) => ({ name, shape: this.graph.initializers.get(initializer)!.shape, init: { kind: 'zeros' } as const }));
    return [...own, ...(this.options.extraParams ?? [])];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const rewrite = this.options.rewrite && new Map([...this.options.rewrite].map(([name, f]) => [name, (v: Traced) => f(v, ctx)]));
    const env: ImportEnv = {
      x,
      lead: ctx.lead,
      initializer: (name) => {
        const param = this.names.get(name);
        return param === undefined ? undefined : ctx.param(param);
      },
      activity: (z, mask) => ctx.activity(z, mask),
      ...(rewrite ? { rewrite } : {}),
    };
    return buildOnnxGraph(this.graph, env);
  }

  /** How MatMul (x W: [in, out]) and Gemm (transB = 1: [out, in]) use a parameter, if they do. */
  matrixLayout(name: string): MatrixLayout | undefined {
    const initializer = [...this.names].find(([, p]) => p === name)?.[0];
    for (const node of this.graph.nodes) {
      if (node.inputs[1] !== initializer) continue;
      if (node.opType === 'MatMul') return 'in-out';
      if (node.opType === 'Gemm') return new Attributes(node).int('transB', 0) === 1 ? 'out-in' : 'in-out';
    }
    return undefined;
  }

  /**
   * The graph with `tokens` learnable tokens after its first token, where the patch
   * embedding meets the learned positions: the output of an Add of a [1, seq, dim]
   * initializer (VPT-shallow, Jia et al. 2022: prompts carry no position). Throws
   * RangeError when the graph has no such Add.
   */
  withPromptTokens(tokens: number): OnnxModule {
    const positions = this.graph.nodes.find((n) => {
      if (n.opType !== 'Add') return false;
      const shapes = n.inputs.map((i) => this.graph.initializers.get(i)?.shape);
      return shapes.some((s) => s?.length === 3 && s[0] === 1) && shapes.some((s) => s === undefined);
    });
    if (positions === undefined) throw new RangeError(`${this.graph.source}: no token sequence found for prompt tokens (an Add of learned [1, seq, dim] positions)`);
    const dim = this.graph.initializers.get(positions.inputs.find((i) => this.graph.initializers.has(i))!)!.shape[2]!;
    const insert = (value: Traced, ctx: BuildContext) => insertTokens(value, new Traced(ctx.param(PROMPT), ctx.lead), 1);
    return new OnnxModule(this.graph, {
      rewrite: new Map([[positions.outputs[0]!, insert]]),
      extraParams: [{ name: PROMPT, shape: [tokens, dim], init: { kind: 'glorot', fanIn: dim, fanOut: dim } }],
    });
  }

  /** The file's value of every parameter, by parameter name. */
  values(): Map<string, Float32Array> {
    return new Map([...this.names].map(([initializer, name]) => [name, this.graph.initializers.get(initializer)!.data as Float32Array]));
  }
}

/**
 * An imported ONNX graph as a Model whose `init()` returns the file's weights. The
 * data input's dims after the batch are the model's input shape; the last dim of the
 * first output is its number of outputs. The graph is built once here, so a file
 * that does not import fails now, not at the first training step.
 * Throws Error naming the file when it has no float initializers (nothing to train),
 * and the errors of `buildOnnxGraph` (unsupported ops, nodes that do not map).
 */
export function onnxModel(graph: OnnxGraph, spec = `onnx:${graph.source}`): PretrainedModel {
  const net = new OnnxModule(graph);
  if (net.names.size === 0) throw new Error(`${graph.source}: the model has no float initializers, so there is nothing to train`);
  const inputShape = graph.input.shape.slice(1);
  if (!inputShape.every((d): d is number => typeof d === 'number')) throw new RangeError(`${graph.source}: input '${graph.input.name}' has symbolic dims ${JSON.stringify(inputShape)} besides the batch`);
  const out = buildOnnxGraph(graph, { x: input('x', graph.input.dtype, graph.input.shape), lead: 0 });
  const outputs = out.shape.at(-1);
  if (typeof outputs !== 'number' || out.rank !== 2) throw new RangeError(`${graph.source}: output '${graph.outputs[0]?.name}' must be [batch, outputs], got ${formatShape(out.shape)}`);
  return new PretrainedModel(net, inputShape, outputs, spec, net.values());
}

/**
 * An ONNX file for `model` with parameters `theta`. An imported model keeps its
 * original file (every node, name and opset) with the new weights written in; any
 * other model is lowered by forwardprop (`exportModel`). For a LoRA-adapted model,
 * export its base with `merge(theta)`.
 */
export function exportOnnxFile(model: Model, theta: Float32Array): Uint8Array {
  if (!(model.net instanceof OnnxModule) || model.net.options.extraParams?.length) return exportModel(model, theta);
  model.layout.check(theta);
  const net = model.net;
  return withInitializers(net.graph, new Map([...net.names].map(([initializer, name]) => [initializer, model.layout.view(theta, name)])));
}
