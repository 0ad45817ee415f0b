import type { Allocator } from './allocator.js';
import { FlopsAllocator } from './flops.js';
import { NeymanAllocator } from './neyman.js';
import { UniformAllocator } from './uniform.js';

export const ALLOCATORS = {
  uniform: () => new UniformAllocator(),
  neyman: () => new NeymanAllocator(),
  flops: () => new FlopsAllocator(),
} as const satisfies Record<string, () => Allocator>;

export type AllocatorName = keyof typeof ALLOCATORS;

export function createAllocator(name: string): Allocator {
  if (!Object.hasOwn(ALLOCATORS, name)) throw new RangeError(`unknown allocator '${name}'; allocators: ${Object.keys(ALLOCATORS).join(', ')}`);
  return ALLOCATORS[name as AllocatorName]();
}
