import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { div } from '../engine/ops/div.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { vjp } from '../engine/transforms/vjp.js';
import type { Model } from '../nn/model.js';
import { checkOptions } from './options.js';
import { stepKey } from '../objectives/directions.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { fillGaussian } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, type Samples, graph } from './estimator.js';
import { gradientOutputs, runGradient } from './graph-outputs.js';
import { masked } from './mask.js';
import { ownership } from './ownership.js';
import { type QueryRows, expandRows } from './rows.js';
import { meanOf, perExample } from './stats.js';

export interface LikelihoodRatioOptions {
  /** Antithetic pairs per example per step (2 queries each); an allocation overrides it. */
  readonly directions: number;
  /** Initial noise scale σ of every unit. */
  readonly sigma: number;
  /** Step size of the noise scales' own updates in log space (0 keeps σ fixed). */
  readonly sigmaLr: number;
}

/** What the estimator learns: log σ per unit (per channel for images) of every noisy layer output. */
export type LikelihoodRatioState = { readonly logSigma: readonly Float32Array[] };

/** The graph of one step, built once: the noisy layer outputs and the inputs feeding their noise and scales. */
interface NoisyGraph {
  readonly build: (given: boolean) => Promise<Program>;
  /** Per-example shape of each noisy layer output (the last is the network's output). */
  readonly shapes: readonly (readonly number[])[];
  /** Shape of each layer's noise scales. */
  readonly scales: readonly (readonly number[])[];
}

/**
 * Likelihood-ratio (score-function) estimation with node perturbation, as in FLOPS (Ren
 * et al. 2025): every layer output, the network's included, gets Gaussian noise σ ⊙ ε
 * with a per-unit scale σ, independently per query. For the smoothed objective
 * E_ε[L(z + σε)], each query q gives ∂/∂z ≈ L_q ε_q/σ, mapped to each layer's weights by
 * its local VJP; no derivative of the network is needed, only losses. Queries come in
 * antithetic pairs (ε, −ε), which cancel any per-example baseline in the weight
 * estimate; the scales learn from their own estimate
 * ∂/∂log σ ≈ (L_q − b)(ε_q² − 1) with a leave-pair-out baseline b. Every query is a row
 * of the batch, so a query allocation gives example i its own number of pairs.
 */
export class LikelihoodRatio implements Estimator<LikelihoodRatioState> {
  readonly name = 'lr';
  private graph?: NoisyGraph;
  private readonly programs = new Map<boolean, Promise<Program>>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: LikelihoodRatioOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {
    checkOptions('lr', likelihoodRatio.options, options);
  }

  /** The noisy forward graph; `given` programs take each row's loss as an input (rebuilds from samples). */
  private noisyGraph(): NoisyGraph {
    if (this.graph) return this.graph;
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const weights = input('weights', 'float32', ['batch']);
    const noisy: { z: Tensor; noise: Tensor; sigma: Tensor }[] = [];
    const perturb = (z: Tensor): Tensor => {
      const k = noisy.length;
      const noise = input(`noise:${k}`, 'float32', z.shape);
      const sigma = input(`sigma:${k}`, 'float32', scaleShape(z));
      noisy.push({ z, noise, sigma });
      return add(z, mul(noise, sigma));
    };
    const { out } = this.model.forward(x, params, { onActivity: (site) => perturb(site.z) });
    const losses = this.objective.loss(perturb(out), y);
    const { owned } = ownership(noisy.map((n) => n.z), params);
    const build = (given: boolean): Promise<Program> => {
      const rowLoss = given ? input('rowLoss', 'float32', ['batch']) : losses;
      const grads = new Map<Tensor, Tensor>();
      const perRow = mul(rowLoss, weights);
      noisy.forEach(({ z, noise, sigma }, k) => {
        const coefficient = reshape(perRow, ['batch', ...new Array<number>(z.rank - 1).fill(1)]);
        vjp([z], [mul(coefficient, div(noise, sigma))], owned[k]!).forEach((g, i) => grads.set(owned[k]![i]!, g));
      });
      const inputs = [x, y, ...params, weights, ...noisy.flatMap((n) => [n.noise, n.sigma]), ...(given ? [rowLoss] : [])];
      return compile({ inputs, outputs: given ? gradientOutputs(params, grads) : [losses, ...gradientOutputs(params, grads)] }, this.options.compile);
    };
    this.graph = { build, shapes: noisy.map((n) => n.z.shape.slice(1) as number[]), scales: noisy.map((n) => n.sigma.shape as number[]) };
    return this.graph;
  }

  private program(given: boolean): Promise<Program> {
    let program = this.programs.get(given);
    if (program === undefined) this.programs.set(given, (program = this.noisyGraph().build(given)));
    return program;
  }

  init(): LikelihoodRatioState {
    return { logSigma: this.noisyGraph().scales.map((s) => new Float32Array(size(s)).fill(Math.log(this.options.sigma))) };
  }

  /** The rows of a step (example i repeated for each of its queries) and the feeds every program takes. */
  private prepare(state: LikelihoodRatioState, request: EstimateRequest) {
    const b = request.batch.y.shape[0]!;
    const queries = request.allocation ?? new Int32Array(b).fill(2 * this.options.directions);
    if (queries.some((n) => n % 2 !== 0)) throw new RangeError('lr takes queries in antithetic pairs: every example needs an even number');
    const rows = expandRows(request.batch, queries);
    const key = stepKey(this.options.seed, request.step);
    const { shapes } = this.noisyGraph();
    if (state.logSigma.length !== shapes.length) throw new RangeError(`lr state holds ${state.logSigma.length} noise scales for ${shapes.length} noisy layers`);
    const noise = shapes.map((shape, k) => antithetic(rows.example.length, shape, key, k));
    const feeds: Record<string, Feed> = { ...modelFeeds(this.model, this.objective, request.params, rows.batch), weights: rows.weight };
    noise.forEach((n, k) => {
      feeds[`noise:${k}`] = n;
      feeds[`sigma:${k}`] = Float32Array.from(state.logSigma[k]!, Math.exp);
    });
    return { b, queries, rows, key, noise, feeds };
  }

  async estimate(state: LikelihoodRatioState, request: EstimateRequest): Promise<Estimated<LikelihoodRatioState>> {
    const { b, queries, rows, key, noise, feeds } = this.prepare(state, request);
    const { outputs, grad } = await runGradient(await this.program(false), feeds, 1);
    const losses = float32Output(outputs, 0);
    const q = rows.example.length;
    const halfDifferences = Float32Array.from({ length: q / 2 }, (_, p) => (losses[2 * p]! - losses[2 * p + 1]!) / 2);
    const stats = perExample(losses, rows.example, b);
    return {
      estimate: {
        grad: masked(grad, request.mask),
        loss: meanOf(stats.mean),
        queries: q,
        perExample: { loss: stats.mean, variance: perExample(halfDifferences, rows.example.filter((_, r) => r % 2 === 0), b).variance },
        samples: { kind: 'activity', key, rows: q, k: 1, coefficients: losses, example: rows.example },
      },
      state: { logSigma: this.learnScales(state.logSigma, losses, rows, noise, queries) },
    };
  }

  /** The gradient from an estimate's samples (each query's loss), with the state the estimate started from. */
  async rebuild(state: LikelihoodRatioState, request: EstimateRequest, samples: Samples): Promise<Float32Array> {
    if (samples.kind !== 'activity') throw new TypeError(`lr rebuilds from activity samples, not ${samples.kind}`);
    const { rows, feeds } = this.prepare(state, request);
    if (samples.rows !== rows.example.length) throw new RangeError(`the samples hold ${samples.rows} queries, the request ${rows.example.length}`);
    feeds.rowLoss = samples.coefficients;
    return masked((await runGradient(await this.program(true), feeds, 0)).grad, request.mask);
  }

  /** One normalised step on log σ along ∂/∂log σ ≈ Σ_q w_q (L_q − b_q)(ε_q² − 1), per unit; returns new scales. */
  private learnScales(current: readonly Float32Array[], losses: Float32Array, rows: QueryRows, noise: readonly HostTensor[], queries: Int32Array): Float32Array[] {
    const next = current.map((l) => l.slice());
    const rate = this.options.sigmaLr;
    if (rate === 0) return next;
    const { example, weight } = rows;
    const pairSum = new Float64Array(queries.length);
    for (let r = 0; r < losses.length; r++) pairSum[example[r]!]! += losses[r]!;
    next.forEach((logSigma, k) => {
      const eps = noise[k]!.data as Float32Array;
      const perRow = eps.length / losses.length;
      // A row's elements are unit-major: element j belongs to unit ⌊j / (elements per unit)⌋.
      const perUnit = perRow / logSigma.length;
      const grad = new Float64Array(logSigma.length);
      for (let r = 0; r < losses.length; r++) {
        const i = example[r]!;
        const others = queries[i]! - 2;
        // Leave-pair-out baseline: the mean loss of the example's other pairs (none: 0).
        const baseline = others > 0 ? (pairSum[i]! - losses[r]! - losses[r ^ 1]!) / others : 0;
        const a = weight[r]! * (losses[r]! - baseline);
        for (let j = 0; j < perRow; j++) grad[Math.floor(j / perUnit)]! += a * (eps[r * perRow + j]! ** 2 - 1);
      }
      const rms = Math.sqrt(grad.reduce((s, g) => s + g * g, 0) / grad.length) + 1e-12;
      for (let u = 0; u < logSigma.length; u++) logSigma[u] = logSigma[u]! - (rate * grad[u]!) / rms;
    });
    return next;
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}

/** Noise for q rows in pairs (ε, −ε), row 2p drawing stretch p of the layer's stream. */
function antithetic(q: number, shape: readonly number[], stream: bigint, layer: number): HostTensor {
  const t = HostTensor.zeros('float32', [q, ...shape]);
  const n = t.size / q;
  const data = t.data;
  for (let p = 0; p < q / 2; p++) {
    const plus = data.subarray(2 * p * n, (2 * p + 1) * n);
    fillGaussian(plus, deriveSeed(stream, layer), p * n);
    for (let j = 0; j < n; j++) data[(2 * p + 1) * n + j] = -plus[j]!;
  }
  return t;
}

/** One scale per unit of [batch, units], per channel of [batch, C, …]. */
function scaleShape(z: Tensor): number[] {
  const units = z.shape.slice(1) as number[];
  return units.length <= 1 ? units : [units[0]!, ...units.slice(1).map(() => 1)];
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export const likelihoodRatio = defineEstimator<LikelihoodRatioOptions>({
  name: 'lr',
  summary: 'likelihood ratio (node perturbation): Gaussian noise on every layer output, losses only, learned noise scales',
  paper: 'Ren, Zhang, Jiang, Li, Zhang, Feng, Peng 2025, "FLOPS: Forward Learning with OPtimal Sampling" (ICLR 2025), the LR estimator',
  needs: 'forward-mode',
  options: {
    directions: { type: 'integer', default: 4, min: 1, help: 'antithetic noise pairs per example per step (2 queries each)' },
    sigma: { type: 'number', default: 1e-2, above: 0, help: 'initial noise scale σ of every unit' },
    sigmaLr: { type: 'number', default: 1e-3, min: 0, help: 'step size of the noise scales in log space (0 keeps σ fixed)' },
  },
  defaultLearningRate: 3e-3,
  allocation: { unit: 2, queriesPerExample: 8 },
  cost: (o, batch) => 2 * o.directions * batch,
  create: (context, options) => new LikelihoodRatio(...graph('lr', context), { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});
