import { type AllocationFeedback, type AllocationRequest, type Allocator, roundAllocation } from './allocator.js';
import { type RunningStats, initStats, lossOf, observeStats, sigmaOf } from './running-stats.js';

/** [a, c] (float32, so checkpoints restore them exactly) and the running statistics they read. */
export type FlopsState = { readonly theta: Float32Array; readonly stats: RunningStats };

/**
 * A learned allocator with two parameters (see docs/methods/allocation.md). The share
 * of example i is πᵢ = softmax(a·log σ̂ᵢ + c·log ℓ̂ᵢ), from its running noise σ̂ᵢ and
 * loss ℓ̂ᵢ, and nᵢ ≈ N·πᵢ. After each step (a, c) take a normalised gradient step on
 * the proxy objective V = Σᵢ sᵢ²/πᵢ — the batch estimate's variance at budget N, up
 * to the factor 1/(B²N) — with sᵢ² the variances the step observed. Written through
 * the softmax (the reparameterisation), ∂V/∂θ = −Σᵢ (sᵢ²/πᵢ)(fᵢ − f̄), f̄ = Σⱼ πⱼfⱼ.
 * The family holds Neyman allocation (a = 1, c = 0), V's minimiser when σ̂ is right;
 * the loss feature stands in where σ̂ is stale or missing. Starts uniform (a = c = 0).
 */
export class FlopsAllocator implements Allocator<FlopsState> {
  readonly name = 'flops';

  constructor(private readonly learningRate = 0.05) {}

  init(examples: number): FlopsState {
    return { theta: new Float32Array(2), stats: initStats(examples) };
  }

  private shares({ theta, stats }: FlopsState, examples: Int32Array): { pi: Float64Array; features: Float64Array[] } {
    const sigma = sigmaOf(stats, examples);
    const loss = lossOf(stats, examples);
    const features = Array.from(examples, (_, i) => Float64Array.of(Math.log(sigma[i]! + 1e-12), Math.log(loss[i]! + 1e-12)));
    const logits = features.map((f) => theta[0]! * f[0]! + theta[1]! * f[1]!);
    const top = Math.max(...logits);
    const weights = logits.map((l) => Math.exp(l - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return { pi: Float64Array.from(weights, (w) => w / total), features };
  }

  allocate(state: FlopsState, { examples, budget, minimum, unit = 1 }: AllocationRequest): Int32Array {
    return roundAllocation(this.shares(state, examples).pi, budget, minimum, unit);
  }

  observe(state: FlopsState, feedback: AllocationFeedback): FlopsState {
    // The gradient uses the shares as allocated, before this step's statistics move them.
    const { pi, features } = this.shares(state, feedback.examples);
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
