import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { vjp } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EstimateRequest, type Estimated, type Estimator, noAllocation } from './estimator.js';
import { gradientOutputs, runGradient } from './graph-outputs.js';
import { masked } from './mask.js';
import { type MgdOptions, type MgdState, channelCosts, costDifferences, integrate, mgdEstimated, mgdPhase, mgdState, stepBatch } from './mgd-loop.js';
import { ownership } from './ownership.js';
import { PerturbationCode } from './perturbation-codes.js';

/** The two programs of node perturbation and the per-example shape of each perturbed node. */
interface NodePrograms {
  /** (x, y, θ, ζ per node) → per-example losses [b]. */
  readonly costs: Program;
  /** (x, θ, ζ per node, coefficient [b]) → Σ_nodes the local VJP of coefficient ⊗ ζ: [P]. */
  readonly gradient: Program;
  readonly shapes: readonly (readonly number[])[];
}

/**
 * MGD with node perturbation (Oripov et al. 2025, whose exact estimator we could not read:
 * this is the standard form). The perturbed quantities are the N neurons' pre-activations
 * z (every activity site, plus the network's output when some weights feed no site), one
 * code over N instead of P. Each example's cost difference gives G_z = C̃ζ·N/Δ² (or ζ/Δ²,
 * 'reference'), and each layer maps it to its own weights with its local VJP, G_W = xᵀG_z,
 * G_b = G_z — quantities a neuron has at hand. ζ is the same for every example of a batch
 * (a neuron's perturbation signal); the costs, and so C̃, are per example, which is what
 * makes G_W = mean_b x_b G_{z,b} unbiased for a batch. Needs the model graph.
 */
export class NodeMgd implements Estimator<MgdState> {
  readonly name = 'mgd';
  private programs?: Promise<NodePrograms>;
  private code?: PerturbationCode;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: MgdOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {}

  init(params: Float32Array): MgdState {
    return mgdState(params.length);
  }

  private build(): Promise<NodePrograms> {
    this.programs ??= (async () => {
      const { model, objective } = this;
      const { x, y } = programInputs(model, objective);
      const params = model.paramInputs();
      const plain = model.forward(x, params);
      const sites = plain.sites.map((s) => s.z);
      // A readout that feeds no site (logits) is perturbed at the output.
      const nodes = ownership(sites, params).unused.length > 0 ? [...sites, plain.out] : sites;
      const { owned } = ownership(nodes, params);
      const zeta = nodes.map((z, s) => input(`node:${s}`, 'float32', z.shape.slice(1)));
      let next = 0;
      const perturbed = model.forward(x, params, { onActivity: (site) => add(site.z, zeta[next++]!) });
      const out = nodes.length > sites.length ? add(perturbed.out, zeta[sites.length]!) : perturbed.out;
      const coefficient = input('coefficient', 'float32', ['batch']);
      const grads = new Map<Tensor, Tensor>();
      nodes.forEach((z, s) => {
        const perExample = reshape(coefficient, ['batch', ...new Array<number>(z.rank - 1).fill(1)]);
        vjp([z], [mul(perExample, zeta[s]!)], owned[s]!).forEach((g, i) => grads.set(owned[s]![i]!, g));
      });
      const [costs, gradient] = await Promise.all([
        compile({ inputs: [x, y, ...params, ...zeta], outputs: [objective.loss(out, y)] }, this.options.compile),
        compile({ inputs: [x, ...params, ...zeta, coefficient], outputs: gradientOutputs(params, grads) }, this.options.compile),
      ]);
      const shapes = zeta.map((t) => t.shape as number[]);
      this.code = new PerturbationCode(shapes.reduce((n, s) => n + s.reduce((a, d) => a * d, 1), 0), this.options, deriveSeed(this.options.seed, 0));
      return { costs, gradient, shapes };
    })();
    return this.programs;
  }

  async estimate(state: MgdState, request: EstimateRequest): Promise<Estimated<MgdState>> {
    noAllocation(this.name, request);
    const o = this.options;
    const { costs: costProgram, gradient, shapes } = await this.build();
    const code = this.code!;
    const { batch, held } = stepBatch(o, state, request);
    const b = batch.x.shape[0]!;
    const phase = mgdPhase(o, state, request.step, b);
    const zeta = new Float32Array(code.n);
    code.fill(zeta, phase.slot);
    const feeds: Record<string, Feed> = modelFeeds(this.model, this.objective, request.params, batch);
    const nodeFeeds = (values: Float32Array) => {
      let offset = 0;
      shapes.forEach((shape, s) => {
        const size = shape.reduce((a, d) => a * d, 1);
        feeds[`node:${s}`] = new HostTensor('float32', shape, values.subarray(offset, (offset += size)));
      });
    };
    const run = async (values: Float32Array) => {
      nodeFeeds(values);
      return float32Output(await costProgram.run(feeds), 0);
    };
    const base = phase.baseline ? await run(new Float32Array(code.n)) : undefined;
    const losses = await run(zeta);
    const measured = base ? 1 : 0;
    const costs = channelCosts(o, losses, b, o.seed, request.step, measured);
    const baseline = base && channelCosts(o, base, b, o.seed, request.step, 0);
    const next = costDifferences(o, state, phase, costs, baseline, code.n);
    nodeFeeds(zeta);
    delete feeds.y;
    feeds.coefficient = next.coefficients;
    const g = masked((await runGradient(gradient, feeds, 0)).grad, request.mask);
    return mgdEstimated((base ?? losses).slice(), (measured + 1) * b, integrate(o, state.integrated, g, phase), next, held);
  }

  async dispose(): Promise<void> {
    const programs = this.programs;
    this.programs = undefined;
    const built = await programs?.catch(() => undefined);
    await Promise.all([built?.costs.dispose(), built?.gradient.dispose()]);
  }
}
