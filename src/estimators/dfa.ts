import { type Tensor, input } from '../engine/ir/tensor.js';
import { matmul } from '../engine/ops/matmul.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { grad, vjp } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import { fillGaussian } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { FEEDBACK_STREAM } from './bp.js';
import { type Estimate, type EstimateRequest, type Estimator, type EstimatorOptions, noAllocation } from './estimator.js';
import { ownership } from './ownership.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { flattenGrads, runLossAndGradient } from './graph-outputs.js';

/**
 * Direct feedback alignment, DFA (Nøkland 2016): the output error e = ∂L/∂logits goes
 * straight to every pre-activation through a fixed random matrix Bₛ,
 * ∂L/∂zₛ ≈ (e Bₛ) ⊙ f′(zₛ), and each layer maps it to its weights locally; no error
 * travels through the network's own weights. The readout gets its exact gradient.
 */
export class DirectFeedbackAlignment implements Estimator {
  readonly name = 'dfa';
  private program?: Promise<{ executable: Program; feedback: Record<string, Float32Array> }>;

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {}

  private async build(): Promise<{ executable: Program; feedback: Record<string, Float32Array> }> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const { out, sites } = this.model.forward(x, params);
    const losses = crossEntropy(out, y);
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
    const executable = await compile({ inputs: [x, y, ...params, ...matrices], outputs: [losses, flattenGrads(params, grads)] }, this.options.compile);
    return { executable, feedback };
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    noAllocation(this.name, request);
    const { params, batch } = request;
    this.program ??= this.build();
    const { executable, feedback } = await this.program;
    return runLossAndGradient(executable, { ...modelFeeds(this.model, params, batch), ...feedback });
  }
}
