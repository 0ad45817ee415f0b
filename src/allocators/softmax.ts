import { type AllocationFeedback, type AllocationRequest, type Allocator, type FreshStatistics, type Statistics, roundAllocation } from './allocator.js';
import { type RunningStats, initStats, lossOf, observeStats, sigmaOf, sigmaOfBatch } from './running-stats.js';

/** [a, c] (float32, so checkpoints restore them exactly) and the running statistics they read. */
export type SoftmaxState = { readonly theta: Float32Array; readonly stats: RunningStats };

/**
 * A learned allocator with two parameters (see docs/methods/allocation.md). The share
 * of example i is πᵢ = softmax(a·log σ̂ᵢ + c·log ℓ̂ᵢ), from its noise σ̂ᵢ and loss ℓ̂ᵢ
 * (running statistics, or with `statistics: 'fresh'` a pilot estimate at this step's θ),
 * and nᵢ ≈ N·πᵢ. After each step (a, c) take a normalised gradient step on
 * the proxy objective V = Σᵢ sᵢ²/πᵢ — the batch estimate's variance at budget N, up
 * to the factor 1/(B²N) — with sᵢ² the variances the step observed. Written through
 * the softmax (the reparameterisation), ∂V/∂θ = −Σᵢ (sᵢ²/πᵢ)(fᵢ − f̄), f̄ = Σⱼ πⱼfⱼ.
 * The family holds Neyman allocation (a = 1, c = 0), V's minimiser when σ̂ is right;
 * the loss feature stands in where σ̂ is stale or missing. Starts uniform (a = c = 0).
 */
export class SoftmaxAllocator implements Allocator<SoftmaxState> {
  readonly name = 'softmax';
  readonly pilot?: 'variance';

  constructor(
    private readonly learningRate = 0.05,
    statistics: Statistics = 'running',
  ) {
    if (statistics === 'fresh') this.pilot = 'variance';
  }

  init(examples: number): SoftmaxState {
    return { theta: new Float32Array(2), stats: initStats(examples) };
  }

  private shares({ theta, stats }: SoftmaxState, examples: Int32Array, fresh: FreshStatistics | undefined): { pi: Float64Array; features: Float64Array[] } {
    const sigma = fresh?.variance ? sigmaOfBatch(fresh.variance) : sigmaOf(stats, examples);
    const loss = fresh?.loss ?? lossOf(stats, examples);
    const features = Array.from(examples, (_, i) => Float64Array.of(Math.log(sigma[i]! + 1e-12), Math.log(loss[i]! + 1e-12)));
    const logits = features.map((f) => theta[0]! * f[0]! + theta[1]! * f[1]!);
    const top = Math.max(...logits);
    const weights = logits.map((l) => Math.exp(l - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return { pi: Float64Array.from(weights, (w) => w / total), features };
  }

  allocate(state: SoftmaxState, { examples, budget, minimum, unit = 1, fresh }: AllocationRequest): Int32Array {
    return roundAllocation(this.shares(state, examples, fresh).pi, budget, minimum, unit);
  }

  observe(state: SoftmaxState, feedback: AllocationFeedback): SoftmaxState {
    // The gradient uses the shares as allocated, before this step's statistics move them.
    const { pi, features } = this.shares(state, feedback.examples, feedback.fresh);
    const mean = [0, 1].map((k) => features.reduce((s, f, i) => s + pi[i]! * f[k]!, 0));
    const grad = [0, 0];
    let value = 0;
    feedback.examples.forEach((_, i) => {
      const s2 = feedback.variance[i]!;
      if (!Number.isFinite(s2)) return;
      value += s2 / pi[i]!;
      for (const k of [0, 1]) grad[k]! -= (s2 / pi[i]!) * (features[i]![k]! - mean[k]!);
    });
    const theta = state.theta.slice();
    const norm = Math.hypot(grad[0]!, grad[1]!);
    if (value > 0 && norm > 0) for (const k of [0, 1]) theta[k]! -= (this.learningRate * grad[k]!) / norm;
    return { theta, stats: observeStats(state.stats, feedback) };
  }
}
