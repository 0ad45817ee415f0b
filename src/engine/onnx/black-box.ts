import { HostTensor } from '../ir/host-tensor.js';
import { formatShape } from '../ir/shape.js';
import type { CompileOptions } from '../runtime/backend.js';
import { ModelSession } from '../runtime/onnxruntime.js';
import type { OnnxGraph } from './read.js';
import { initializersAsInputs } from './rewrite.js';

/** One trained initializer's place in the black box's parameter vector. */
export interface BlackBoxParameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/**
 * An ONNX file run as it is by onnxruntime, with chosen float initializers turned into
 * graph inputs fed from one parameter vector: a function (θ, x) → outputs that
 * loss-only estimators can train whatever ops the file uses (no derivatives, no copy
 * axes: one θ per call).
 */
export class BlackBoxModel {
  private constructor(
    readonly graph: OnnxGraph,
    private readonly session: ModelSession,
    readonly parameters: readonly BlackBoxParameter[],
    /** Length of θ. */
    readonly size: number,
  ) {}

  /**
   * Prepares the file with the initializers `names` (float ones, in that order) as
   * parameters. Throws RangeError for an unknown or non-float initializer, and what
   * onnxruntime says about a file it cannot load.
   */
  static async create(graph: OnnxGraph, names: readonly string[], options: CompileOptions = {}): Promise<BlackBoxModel> {
    let offset = 0;
    const parameters = names.map((name) => {
      const host = graph.initializers.get(name);
      if (host?.dtype !== 'float32') throw new RangeError(`${graph.source}: '${name}' is not a float initializer`);
      const entry = { name, shape: host.shape, offset, size: host.size };
      offset += host.size;
      return entry;
    });
    const session = await ModelSession.create(initializersAsInputs(graph, names), options);
    return new BlackBoxModel(graph, session, parameters, offset);
  }

  /** The file's values of the parameters, as one θ. */
  initial(): Float32Array {
    const theta = new Float32Array(this.size);
    for (const p of this.parameters) theta.set(this.graph.initializers.get(p.name)!.data as Float32Array, p.offset);
    return theta;
  }

  /**
   * The file's outputs (in the file's order) for the batch `x` [batch, ...input dims]
   * with parameters θ. Throws RangeError when θ or x do not fit.
   */
  async run(theta: Float32Array, x: HostTensor): Promise<HostTensor[]> {
    if (!(theta instanceof Float32Array) || theta.length !== this.size) throw new RangeError(`θ must be a Float32Array of length ${this.size}, got length ${theta?.length}`);
    const dims = this.graph.input.shape.slice(1);
    if (x.dtype !== 'float32' || x.shape.length !== dims.length + 1 || dims.some((d, i) => typeof d === 'number' && d !== x.shape[i + 1])) {
      throw new RangeError(`${this.graph.source}: input '${this.graph.input.name}' takes float32[batch,${dims.join(',')}], got ${x.dtype}${formatShape(x.shape)}`);
    }
    const feeds: Record<string, HostTensor> = { [this.graph.input.name]: x };
    for (const p of this.parameters) feeds[p.name] = new HostTensor('float32', p.shape, theta.subarray(p.offset, p.offset + p.size));
    const results = await this.session.run(feeds);
    return this.graph.outputs.map((o) => results[o.name]!);
  }

  /** Releases the session. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
