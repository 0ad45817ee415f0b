import { fillGaussian, fillRademacher } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import type { PerExample } from './estimator.js';
import { gridSlots, perExample } from './rows.js';

/** What a black box is asked: one parameter vector and one example per query. */
export interface BlackBoxQueries {
  /** [queries × dimension]: each query's parameter vector, row-major. */
  readonly params: Float32Array;
  /** The batch position of each query's example. */
  readonly examples: Int32Array;
}

/**
 * A black-box objective: the loss of each query, and nothing else — no gradients, no
 * internals. Any async function will do: a model behind an HTTP endpoint, a physical
 * device, a simulator. The caller decides what a parameter vector means (a prompt, the
 * weights of a head) and what the batch's examples are.
 */
export type BlackBoxObjective = (queries: BlackBoxQueries) => Promise<Float32Array>;

export interface BlackBoxOptions {
  readonly seed?: Seed;
  /** Directions per step (each example under every one) when there is no allocation; default 8. */
  readonly directions?: number;
  readonly epsilon?: number;
  readonly noise?: 'gaussian' | 'rademacher';
}

export interface BlackBoxRequest {
  readonly objective: BlackBoxObjective;
  readonly params: Float32Array;
  /** Examples in the batch the objective evaluates. */
  readonly batchSize: number;
  readonly step: number;
  /** Queries per example (even: a query is one of a ± pair), from an allocator. */
  readonly allocation?: Int32Array;
}

export interface BlackBoxEstimate {
  readonly grad: Float32Array;
  readonly loss: number;
  readonly queries: number;
  readonly perExample: PerExample;
}

/**
 * SPSA on a black box: directions zₖ, central differences per example, and
 * ĝ = Σ_{slots (k, i)} c_{k,i} zₖ / (B·nᵢ), where example i is evaluated under nᵢ/2 of the
 * directions (all K without an allocation). Unbiased up to O(ε²); every query goes to
 * the objective in one call, padding never.
 */
export class BlackBoxSpsa {
  constructor(
    readonly dimension: number,
    private readonly options: BlackBoxOptions = {},
  ) {
    if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
  }

  async estimate({ objective, params, batchSize: b, step, allocation }: BlackBoxRequest): Promise<BlackBoxEstimate> {
    if (params.length !== this.dimension) throw new RangeError(`params must have length ${this.dimension}, got ${params.length}`);
    if (allocation?.some((n) => n % 2 !== 0)) throw new RangeError('black-box SPSA takes queries in ± pairs: every example needs an even number');
    const perExampleDirections = allocation ? allocation.map((n) => n / 2) : new Int32Array(b).fill(this.options.directions ?? 8);
    const { k, example, weight } = gridSlots(perExampleDirections);
    const d = this.dimension;
    const epsilon = this.options.epsilon ?? 1e-3;
    const directions = new Float32Array(k * d);
    (this.options.noise === 'gaussian' ? fillGaussian : fillRademacher)(directions, deriveSeed(this.options.seed ?? 0, step), 0);
    const slots = Array.from(example.keys()).filter((s) => example[s]! >= 0);
    const m = example.length / k;
    const queried = new Float32Array(2 * slots.length * d);
    slots.forEach((slot, q) => {
      const z = directions.subarray(Math.floor(slot / m) * d, (Math.floor(slot / m) + 1) * d);
      for (let j = 0; j < d; j++) {
        queried[2 * q * d + j] = params[j]! + epsilon * z[j]!;
        queried[(2 * q + 1) * d + j] = params[j]! - epsilon * z[j]!;
      }
    });
    const examples = Int32Array.from({ length: 2 * slots.length }, (_, r) => example[slots[r >> 1]!]!);
    const losses = await objective({ params: queried, examples });
    if (losses.length !== examples.length) throw new RangeError(`the objective returned ${losses.length} losses for ${examples.length} queries`);
    const grad = new Float32Array(d);
    const coefficients = new Float32Array(slots.length);
    const mid = new Float32Array(slots.length);
    slots.forEach((slot, q) => {
      const c = (losses[2 * q]! - losses[2 * q + 1]!) / (2 * epsilon);
      coefficients[q] = c;
      mid[q] = (losses[2 * q]! + losses[2 * q + 1]!) / 2;
      const z = directions.subarray(Math.floor(slot / m) * d, (Math.floor(slot / m) + 1) * d);
      const a = weight[slot]! * c;
      for (let j = 0; j < d; j++) grad[j]! += a * z[j]!;
    });
    const owner = Int32Array.from(slots, (s) => example[s]!);
    const loss = perExample(mid, owner, b).mean;
    return { grad, loss: loss.reduce((a, v) => a + v, 0) / b, queries: examples.length, perExample: { loss, spread: perExample(coefficients, owner, b).variance } };
  }
}
