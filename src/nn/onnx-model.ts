import type { Tensor } from '../engine/ir/tensor.js';
import { type ImportEnv, type Traced, buildOnnxGraph } from '../engine/onnx/import.js';
import type { OnnxGraph } from '../engine/onnx/read.js';
import type { BuildContext, Module, ParamDecl } from './module.js';
import { PretrainedModel } from './pretrained.js';

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
export class OnnxModule implements Module {
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

  /** The file's value of every parameter, by parameter name. */
  values(): Map<string, Float32Array> {
    return new Map([...this.names].map(([initializer, name]) => [name, this.graph.initializers.get(initializer)!.data as Float32Array]));
  }
}

/**
 * An imported ONNX graph as a Model whose `init()` returns the file's weights. The
 * data input's dims after the batch are the model's input shape; the last dim of the
 * first output is its number of outputs.
 * Throws Error naming the file when it has no float initializers (nothing to train).
 */
export function onnxModel(graph: OnnxGraph, spec = `onnx:${graph.source}`): PretrainedModel {
  const net = new OnnxModule(graph);
  if (net.names.size === 0) throw new Error(`${graph.source}: the model has no float initializers, so there is nothing to train`);
  const inputShape = graph.input.shape.slice(1);
  if (!inputShape.every((d): d is number => typeof d === 'number')) throw new RangeError(`${graph.source}: input '${graph.input.name}' has symbolic dims ${JSON.stringify(inputShape)} besides the batch`);
  const outputs = graph.outputs[0]?.shape.at(-1);
  if (typeof outputs !== 'number') throw new RangeError(`${graph.source}: the last dim of output '${graph.outputs[0]?.name}' must be a fixed number of outputs`);
  return new PretrainedModel(net, inputShape, outputs, spec, net.values());
}
