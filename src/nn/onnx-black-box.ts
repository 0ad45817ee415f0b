import { HostTensor } from '../engine/ir/host-tensor.js';
import { formatShape } from '../engine/ir/shape.js';
import { BlackBoxModel } from '../engine/onnx/black-box.js';
import { type OnnxGraph, readOnnx } from '../engine/onnx/read.js';
import { withInitializers, withInputPrompt } from '../engine/onnx/rewrite.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { blame } from './adapt.js';
import { selectByGlobs } from './glob.js';
import { examplesFeed } from './model.js';
import { parameterNames } from './onnx-model.js';
import { ParamLayout } from './params.js';
import { PROMPT, type VisualPromptOptions, promptMask } from './prompt.js';

/** What to train of a file run as a black box. */
export interface BlackBoxOptions {
  /** Globs of the file's float initializers, by parameter name (default: all of them, or none with a prompt). */
  readonly trainable?: string | readonly string[];
  /** A visual prompt on the input: the one prompt a black box can take (tokens need the graph). */
  readonly prompt?: VisualPromptOptions;
  readonly compile?: CompileOptions;
}

/**
 * An ONNX file seen only through its outputs: onnxruntime runs the file as it is (any
 * ops, mapped or not), with the trained float initializers — and a visual prompt, when
 * asked, written into the file as an input Add — fed from θ. It has no graph for
 * derivatives or copies, so loss-only methods train it, one θ per call. θ's layout
 * (`layout`) names parameters as an imported model would (see `parameterNames`).
 */
export class OnnxBlackBox {
  private constructor(
    readonly spec: string,
    /** The file that runs: the original, or with the prompt added. */
    readonly graph: OnnxGraph,
    private readonly box: BlackBoxModel,
    readonly layout: ParamLayout,
    /** The initializer behind each parameter of θ, in θ's order. */
    private readonly initializers: readonly string[],
    readonly inputShape: readonly number[],
    readonly outputs: number,
  ) {}

  /**
   * Prepares `graph` (imported as `spec`) for training through its outputs. The first
   * output must be [batch, outputs] (checked by running one zero example). Throws
   * AdaptError naming the option for a glob that matches nothing or a prompt that does
   * not fit, RangeError for symbolic example dims or other outputs, and what
   * onnxruntime says about a file it cannot run.
   */
  static async create(graph: OnnxGraph, spec: string, options: BlackBoxOptions = {}): Promise<OnnxBlackBox> {
    const dims = graph.input.shape.slice(1);
    if (!dims.every((d): d is number => typeof d === 'number')) throw new RangeError(`${graph.source}: input '${graph.input.name}' has symbolic dims ${formatShape(graph.input.shape)} besides the batch`);
    const { prompt } = options;
    const file = prompt ? readOnnx(blame('prompt', () => withInputPrompt(graph, PROMPT, promptMask(dims, prompt)?.data)), { source: graph.source }) : graph;
    const own = [...graph.initializers].filter(([, v]) => v.dtype === 'float32').map(([name]) => name);
    const names = parameterNames(own);
    const chosen = options.trainable !== undefined ? blame('trainable', () => selectByGlobs([...names.values()], options.trainable!, 'trainable glob')) : prompt ? [] : [...names.values()];
    const initializers = [...own.filter((i) => chosen.includes(names.get(i)!)), ...(prompt ? [PROMPT] : [])];
    const layout = new ParamLayout(initializers.map((i) => ({ name: names.get(i) ?? i, shape: file.initializers.get(i)!.shape, init: { kind: 'zeros' } as const })));
    const box = await BlackBoxModel.create(file, initializers, options.compile);
    try {
      const [probe] = await box.run(box.initial(), HostTensor.zeros('float32', [1, ...dims]));
      if (probe?.dtype !== 'float32' || probe.shape.length !== 2) throw new RangeError(`${graph.source}: output '${graph.outputs[0]?.name}' must be float32 [batch, outputs], got ${probe?.dtype}${formatShape(probe?.shape ?? [])}`);
      return new OnnxBlackBox(spec, file, box, layout, initializers, dims, probe.shape[1]!);
    } catch (e) {
      await box.dispose();
      throw e;
    }
  }

  /** Length of θ. */
  get size(): number {
    return this.layout.size;
  }

  /** The file's values of the trained parameters (a prompt starts at zero). */
  init(): Float32Array {
    return this.box.initial();
  }

  /**
   * The first output [b × outputs] for x [b, …] (whole examples of `inputShape`) with
   * parameters θ. Throws RangeError when θ or x do not fit.
   */
  async run(theta: Float32Array, x: HostTensor): Promise<Float32Array> {
    this.layout.check(theta);
    const [out] = await this.box.run(theta, examplesFeed(x, this.inputShape, this.spec));
    return out!.data as Float32Array;
  }

  /** The file that runs, with θ's values written in (prompt included): a complete model for any ONNX runtime. */
  file(theta: Float32Array): Uint8Array {
    this.layout.check(theta);
    return withInitializers(this.graph, new Map(this.initializers.map((name, i) => [name, this.layout.view(theta, this.layout.entries[i]!.name)])));
  }

  describe(): string {
    const rows = this.layout.entries.map((e) => `  ${e.name.padEnd(16)} [${e.shape.join(', ')}]`);
    return [`${this.spec}: black box (onnxruntime runs the file), ${this.layout.size.toLocaleString('en-US')} trained parameters`, ...rows].join('\n');
  }

  dispose(): Promise<void> {
    return this.box.dispose();
  }
}
