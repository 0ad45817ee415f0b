import { type AllocationFeedback, type AllocationRequest, type Allocator, roundAllocation } from './allocator.js';
import { RunningStats } from './running-stats.js';
import type { State, SerializedState, StateJson } from '../state/state.js';

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
export class FlopsAllocator implements Allocator {
  readonly name = 'flops';
  private readonly stats = new RunningStats();
  /** [a, c]: weights of log σ̂ and log ℓ̂ (float32, so checkpoints restore them exactly). */
  readonly theta = new Float32Array(2);

  constructor(private readonly learningRate = 0.05) {}

  private shares(examples: Int32Array): { pi: Float64Array; features: Float64Array[] } {
    const sigma = this.stats.sigma(examples);
    const loss = this.stats.losses(examples);
    const features = Array.from(examples, (_, i) => Float64Array.of(Math.log(sigma[i]! + 1e-12), Math.log(loss[i]! + 1e-12)));
    const logits = features.map((f) => this.theta[0]! * f[0]! + this.theta[1]! * f[1]!);
    const top = Math.max(...logits);
    const weights = logits.map((l) => Math.exp(l - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return { pi: Float64Array.from(weights, (w) => w / total), features };
  }

  allocate({ examples, budget, minimum, unit = 1 }: AllocationRequest): Int32Array {
    return roundAllocation(this.shares(examples).pi, budget, minimum, unit);
  }

  observe(feedback: AllocationFeedback): void {
    // The gradient uses the shares as allocated, before this step's statistics move them.
    const { pi, features } = this.shares(feedback.examples);
    const mean = [0, 1].map((k) => features.reduce((s, f, i) => s + pi[i]! * f[k]!, 0));
    const grad = [0, 0];
    let value = 0;
    feedback.examples.forEach((_, i) => {
      const s2 = feedback.variance[i]!;
      if (!Number.isFinite(s2)) return;
      value += s2 / pi[i]!;
      for (const k of [0, 1]) grad[k]! -= (s2 / pi[i]!) * (features[i]![k]! - mean[k]!);
    });
    this.stats.observe(feedback);
    const norm = Math.hypot(grad[0]!, grad[1]!);
    if (value > 0 && norm > 0) for (const k of [0, 1]) this.theta[k]! -= (this.learningRate * grad[k]!) / norm;
  }

  state(): State {
    return { theta: this.theta.slice(), stats: this.stats.state() };
  }

  restore(saved: SerializedState): void {
    const json = saved.json as { theta: { f32: number }; stats: StateJson };
    this.theta.set(saved.buffers[json.theta.f32]!);
    this.stats.restore(saved, () => json.stats);
  }
}
