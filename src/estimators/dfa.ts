import { type Tensor, input } from '../engine/ir/tensor.js';
import { matmul } from '../engine/ops/matmul.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import type { CompileOptions, Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad, vjp } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import { fillGaussian } from '../rng/noise.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, noAllocation, graph } from './estimator.js';
import { FEEDBACK_STREAM } from './feedback.js';
import { ownership } from './ownership.js';
import { gradientOutputs, runLossAndGradient } from './graph-outputs.js';

/**
 * Direct feedback alignment, DFA (Nøkland 2016): the output error e = ∂L/∂logits goes
 * straight to every pre-activation through a fixed random matrix Bₛ,
 * ∂L/∂zₛ ≈ (e Bₛ) ⊙ f′(zₛ), and each layer maps it to its weights locally; no error
 * travels through the network's own weights. The readout gets its exact gradient.
 */
export class DirectFeedbackAlignment implements Estimator<EmptyState> {
  readonly name = 'dfa';
  private program?: Promise<{ program: Program; feedback: Record<string, Float32Array> }>;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: { readonly seed?: Seed; readonly compile?: CompileOptions } = {},
  ) {}

  private async build(): Promise<{ program: Program; feedback: Record<string, Float32Array> }> {
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const { out, sites } = this.model.forward(x, params);
    const losses = this.objective.loss(out, y);
    const loss = mean(losses);
    const [error] = grad(loss, [out]);
    const classes = out.shape[out.rank - 1] as number;
    const seed = deriveSeed(this.options.seed ?? 0, FEEDBACK_STREAM);
    const feedback: Record<string, Float32Array> = {};
    const matrices = sites.map((site, s) => {
      const shape = [classes, ...(site.z.shape.slice(1) as number[])];
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      fillGaussian(values, deriveSeed(seed, s), 0, 1 / Math.sqrt(classes));
      feedback[`feedback:${s}`] = values;
      return input(`feedback:${s}`, 'float32', shape);
    });
    const { owned } = ownership([...sites.map((s) => s.z), out], params);
    const grads = new Map<Tensor, Tensor>();
    sites.forEach((site, s) => {
      const projected = reshape(matmul(error!, reshape(matrices[s]!, [classes, -1])), site.z.shape);
      const estimate = site.mask ? mul(projected, site.mask) : projected;
      vjp([site.z], [estimate], owned[s]!).forEach((g, i) => grads.set(owned[s]![i]!, g));
    });
    // The readout (the parameters first reached at the output) learns from its exact gradient.
    const readout = owned[sites.length]!;
    grad(loss, readout).forEach((g, i) => grads.set(readout[i]!, g));
    const program = await compile({ inputs: [x, y, ...params, ...matrices], outputs: [losses, ...gradientOutputs(params, grads)] }, this.options.compile);
    return { program, feedback };
  }

  init(): EmptyState {
    return emptyState();
  }

  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    noAllocation(this.name, request);
    this.program ??= this.build();
    const { program, feedback } = await this.program;
    return runLossAndGradient(program, { ...modelFeeds(this.model, this.objective, request.params, request.batch), ...feedback }, request, state);
  }

  async dispose(): Promise<void> {
    await (await this.program?.catch(() => undefined))?.program.dispose();
  }
}

export const dfa = defineEstimator({
  name: 'dfa',
  summary: 'direct feedback alignment: the output error projected to every layer by fixed random matrices',
  paper: 'Nøkland 2016, "Direct feedback alignment provides learning in deep neural networks"',
  needs: 'reverse-mode',
  options: {},
  defaultLearningRate: 1e-3,
  cost: (_, batch) => batch,
  create: (context) => new DirectFeedbackAlignment(...graph('dfa', context), { seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});
