import type { Allocator, Statistics } from './allocator.js';
import { GaussianAllocator } from './flops.js';
import { NeymanAllocator } from './neyman.js';
import { SoftmaxAllocator } from './softmax.js';
import { UniformAllocator } from './uniform.js';
import type { Seed } from '../rng/stream.js';

/** What an allocator is made with: a seed for those that draw (flops), and where it reads statistics from (default: the allocator's own). */
export interface AllocatorOptions {
  readonly seed?: Seed;
  readonly statistics?: Statistics;
}

/**
 * Every allocator by name. `uniform` and `neyman` are the baseline and the variance-optimal
 * rule for known σ; `softmax` learns two exponents over running statistics; `flops` is the
 * paper's Gaussian allocator (reconstructed) over fresh per-step losses.
 */
export const ALLOCATORS = {
  uniform: () => new UniformAllocator(),
  neyman: (o: AllocatorOptions) => new NeymanAllocator(undefined, o.statistics),
  softmax: (o: AllocatorOptions) => new SoftmaxAllocator(undefined, o.statistics),
  flops: (o: AllocatorOptions) => new GaussianAllocator(o),
} as const satisfies Record<string, (options: AllocatorOptions) => Allocator>;

export type AllocatorName = keyof typeof ALLOCATORS;

/** The allocator `name`; throws a RangeError listing the valid names. */
export function createAllocator(name: string, options: AllocatorOptions = {}): Allocator {
  if (!Object.hasOwn(ALLOCATORS, name)) throw new RangeError(`unknown allocator '${name}'; allocators: ${Object.keys(ALLOCATORS).join(', ')}`);
  return ALLOCATORS[name as AllocatorName](options);
}
