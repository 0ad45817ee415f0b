import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { div } from '../engine/ops/div.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { vjp } from '../engine/transforms/vjp.js';
import { crossEntropy } from '../nn/losses.js';
import type { Model } from '../nn/model.js';
import { type State, type SerializedState, deserializeState } from '../state/state.js';
import { fillGaussian } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import type { Estimate, EstimateRequest, Estimator, EstimatorOptions } from './estimator.js';
import { batchInputs, modelFeeds } from './graph-inputs.js';
import { flattenGrads, meanOf } from './graph-outputs.js';
import { ownership } from './ownership.js';
import { expandRows, perExample } from './rows.js';

interface LrProgram {
  readonly program: Program;
  /** Per-example shape of each noisy layer output (the last is the network's output). */
  readonly shapes: readonly (readonly number[])[];
  /** Shape of each layer's noise scales: one per unit, or per channel for images. */
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
export class LikelihoodRatio implements Estimator {
  readonly name = 'lr';
  private program?: Promise<LrProgram>;
  private logSigma?: Float32Array[];

  constructor(
    readonly model: Model,
    private readonly options: EstimatorOptions = {},
  ) {}

  private async build(): Promise<LrProgram> {
    const { x, y } = batchInputs(this.model);
    const params = this.model.paramInputs();
    const weights = input('weights', 'float32', ['batch']);
    const noisy: { z: Tensor; noise: Tensor; sigma: Tensor }[] = [];
    const perturb = (z: Tensor): Tensor => {
      const k = noisy.length;
      const unit = scaleShape(z);
      const noise = input(`noise:${k}`, 'float32', z.shape);
      const sigma = input(`sigma:${k}`, 'float32', unit);
      noisy.push({ z, noise, sigma });
      return add(z, mul(noise, sigma));
    };
    const { out } = this.model.forward(x, params, { onActivity: (site) => perturb(site.z) });
    const losses = crossEntropy(perturb(out), y);
    const { owned } = ownership(noisy.map((n) => n.z), params);
    const grads = new Map<Tensor, Tensor>();
    const perRow = mul(losses, weights);
    noisy.forEach(({ z, noise, sigma }, k) => {
      const coefficient = reshape(perRow, ['batch', ...new Array<number>(z.rank - 1).fill(1)]);
      vjp([z], [mul(coefficient, div(noise, sigma))], owned[k]!).forEach((g, i) => grads.set(owned[k]![i]!, g));
    });
    const program = await compile(
      { inputs: [x, y, ...params, weights, ...noisy.flatMap((n) => [n.noise, n.sigma])], outputs: [losses, flattenGrads(params, grads)] },
      this.options.compile,
    );
    return { program, shapes: noisy.map((n) => n.z.shape.slice(1) as number[]), scales: noisy.map((n) => n.sigma.shape as number[]) };
  }

  async estimate(request: EstimateRequest): Promise<Estimate> {
    this.program ??= this.build();
    const { program, shapes, scales } = await this.program;
    this.logSigma ??= scales.map((s) => new Float32Array(size(s)).fill(Math.log(this.options.sigma ?? 1e-2)));
    const b = request.batch.y.shape[0]!;
    const queries = request.allocation ?? new Int32Array(b).fill(2 * (this.options.directions ?? 4));
    if (queries.some((n) => n % 2 !== 0)) throw new RangeError('lr takes queries in antithetic pairs: every example needs an even number');
    const rows = expandRows(request.batch, queries);
    const q = rows.example.length;
    const stream = deriveSeed(this.options.seed ?? 0, request.step);
    const noise = shapes.map((shape, k) => antithetic(q, shape, stream, k));
    const sigma = this.logSigma.map((l) => Float32Array.from(l, Math.exp));
    const feeds: Record<string, Feed> = { ...modelFeeds(this.model, request.params, rows.batch), weights: rows.weight };
    noise.forEach((n, k) => {
      feeds[`noise:${k}`] = n;
      feeds[`sigma:${k}`] = sigma[k]!;
    });
    const [lossesOut, grad] = await program.run(feeds);
    const losses = lossesOut!.data as Float32Array;
    this.learnScales(losses, rows.example, rows.weight, noise, queries);
    const halfDifferences = Float32Array.from({ length: q / 2 }, (_, p) => (losses[2 * p]! - losses[2 * p + 1]!) / 2);
    const stats = perExample(losses, rows.example, b);
    return {
      grad: grad!.data as Float32Array,
      loss: meanOf(stats.mean),
      queries: q,
      perExample: { loss: stats.mean, spread: perExample(halfDifferences, rows.example.filter((_, r) => r % 2 === 0), b).variance },
    };
  }

  /** One normalised step on log σ along ∂/∂log σ ≈ Σ_q w_q (L_q − b_q)(ε_q² − 1), per unit. */
  private learnScales(losses: Float32Array, example: Int32Array, weight: Float32Array, noise: readonly HostTensor[], queries: Int32Array): void {
    const rate = this.options.sigmaLr ?? 1e-3;
    if (rate === 0) return;
    const pairSum = new Float64Array(queries.length);
    for (let r = 0; r < losses.length; r++) pairSum[example[r]!]! += losses[r]!;
    this.logSigma!.forEach((logSigma, k) => {
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
  }

  state(): State {
    return this.logSigma ? [...this.logSigma] : [];
  }

  restore(saved: SerializedState): void {
    if (saved.buffers.length > 0) this.logSigma = deserializeState(saved, saved.buffers.map((b) => new Float32Array(b.length)));
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
