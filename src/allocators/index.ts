export * from './allocator.js';
export { UniformAllocator } from './uniform.js';
export { NeymanAllocator } from './neyman.js';
export { FlopsAllocator } from './flops.js';
export { RunningStats } from './running-stats.js';
export { ALLOCATORS, type AllocatorName, createAllocator } from './registry.js';
