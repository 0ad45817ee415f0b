import { HostTensor } from '../engine/ir/host-tensor.js';
import { currentScope } from '../engine/ir/scope.js';
import { formatShape } from '../engine/ir/shape.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { reshape } from '../engine/ops/reshape.js';
import { stopGradient } from '../engine/ops/stop-gradient.js';
import type { Seed } from '../rng/stream.js';
import { initParams } from './init.js';
import { type BlockLayout, type BuildContext, type Module, allParams } from './module.js';
import { type ParamEntry, ParamLayout } from './params.js';

/** A pre-activation marked by the model: where activity perturbation acts. */
export interface ActivitySite {
  readonly z: Tensor;
  /** 0/1 live-unit mask (ReLU), when the nonlinearity has one. */
  readonly mask?: Tensor;
  /** Model scope of the site, e.g. '1.relu'. */
  readonly scope: string;
  /** Index of the block (see `LocalBlock`) the site belongs to. */
  readonly block: number;
  /** Maps per-(example, patch, group) values of the block's local losses onto z's shape. */
  readonly slots?: (perSlot: Tensor) => Tensor;
}

/** A block's output and the layout of its local losses (models with local losses only). */
export interface LocalBlock extends BlockLayout {
  /** The block's output [..., batch, patches, channels], before any stop-gradient. */
  readonly output: Tensor;
}

export interface ForwardOptions {
  /** Leading perturbation axes on the parameters (0 or 1). */
  readonly lead?: number;
  /** Build for local losses: stop-gradients between blocks and before the readout. */
  readonly local?: boolean;
  /** With `lead`: x already carries the leading copy axes (each copy its own examples). */
  readonly inputLead?: boolean;
  /** What to use downstream of each activity site (default: the site's value unchanged). */
  readonly onActivity?: (site: ActivitySite) => Tensor;
}

/**
 * A network with a fixed input shape and output size, plus the flat layout of its
 * parameters. The model only builds graphs; parameter values live in a Float32Array θ
 * owned by the caller (see `ParamLayout.view`).
 */
export class Model {
  readonly layout: ParamLayout;

  constructor(
    readonly net: Module,
    /** Shape of one example, e.g. [784] or [1, 28, 28]. */
    readonly inputShape: readonly number[],
    readonly outputs: number,
    /** The spec it was built from, e.g. 'mlp:784-256-256-10' (for checkpoints and reports). */
    readonly spec: string,
  ) {
    this.layout = new ParamLayout(allParams(net));
  }

  /** Freshly initialised parameters (seeded, reproducible). */
  init(seed: Seed): Float32Array {
    return initParams(this.layout, seed);
  }

  /** A graph input for a batch of examples: [batch, ...inputShape]. */
  inputTensor(name = 'x', batch: string | number = 'batch'): Tensor {
    return input(name, 'float32', [batch, ...this.inputShape]);
  }

  /** Zero-copy feeds of θ: one view per parameter, under the parameter's name (see `paramInputs`). */
  paramFeeds(theta: Float32Array): Record<string, Float32Array> {
    this.layout.check(theta);
    return Object.fromEntries(this.layout.entries.map((e) => [e.name, theta.subarray(e.offset, e.offset + e.size)]));
  }

  /**
   * x [b, …] viewed with this model's example shape [b, ...inputShape] (the data stays
   * where it is); throws a RangeError naming both shapes when x does not hold whole examples.
   */
  inputFeed(x: HostTensor): HostTensor<'float32'> {
    return examplesFeed(x, this.inputShape, this.spec);
  }

  /** One graph input per parameter, named after it, with optional leading dims. */
  paramInputs(lead: readonly number[] = []): Tensor[] {
    return this.layout.entries.map((e) => input(e.name, 'float32', [...lead, ...e.shape]));
  }

  /**
   * Builds the network's output for `x`. With a perturbation axis (lead = 1) x gains a
   * leading axis of size 1 that broadcasts against the K parameter copies, so the
   * output is [K, batch, outputs]. `params` holds one tensor per parameter, in layout
   * order (graph inputs from `paramInputs()`, or values computed from them).
   */
  forward(x: Tensor, params: readonly Tensor[], options: ForwardOptions = {}): { out: Tensor; sites: ActivitySite[]; blocks: LocalBlock[] } {
    const lead = options.lead ?? 0;
    const local = options.local ?? false;
    if (params.length !== this.layout.entries.length) throw new RangeError(`forward: ${params.length} parameter tensors for ${this.layout.entries.length} parameters`);
    const byName = new Map(this.layout.entries.map((e, i) => [e.name, params[i]!]));
    const sites: ActivitySite[] = [];
    const blocks: LocalBlock[] = [];
    const context = (prefix: string): BuildContext => ({
      lead,
      param: (name) => {
        const full = `${prefix}${name}`;
        const t = byName.get(full);
        if (t === undefined) throw new RangeError(`module asked for undeclared parameter '${full}'`);
        return t;
      },
      activity: (z, mask, slots) => {
        const site = { z, ...(mask ? { mask } : {}), ...(slots ? { slots } : {}), scope: currentScope(), block: blocks.length };
        sites.push(site);
        return options.onActivity?.(site) ?? z;
      },
      endBlock: (output, layout) => {
        blocks.push({ output, ...layout });
        return local ? stopGradient(output) : output;
      },
      child: (name) => context(`${prefix}${name}.`),
    });
    const batched = lead > 0 && !options.inputLead ? reshape(x, [...new Array<number>(lead).fill(1), ...x.shape]) : x;
    return { out: this.net.apply(context(''), batched), sites, blocks };
  }

  /** Parameter count and a line per parameter, for summaries. */
  describe(): string {
    const rows = this.layout.entries.map((e: ParamEntry) => `  ${e.name.padEnd(16)} [${e.shape.join(', ')}]`);
    return [`${this.spec}: ${this.layout.size.toLocaleString('en-US')} parameters`, ...rows].join('\n');
  }
}

/**
 * x [b, …] viewed as [b, ...inputShape] (the data stays where it is); throws a
 * RangeError naming both shapes and model `spec` when x does not hold whole examples.
 */
export function examplesFeed(x: HostTensor, inputShape: readonly number[], spec: string): HostTensor<'float32'> {
  const b = x.shape[0] ?? 0;
  const perExample = inputShape.reduce((a, d) => a * d, 1);
  if (x.dtype !== 'float32' || x.shape.length === 0 || x.size !== b * perExample) {
    throw new RangeError(`inputs ${x.dtype}${formatShape(x.shape)} do not hold examples of shape ${formatShape(inputShape)} for model '${spec}'`);
  }
  return new HostTensor('float32', [b, ...inputShape], x.data as Float32Array);
}
