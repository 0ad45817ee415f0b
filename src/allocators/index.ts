export * from './allocator.js';
export { UniformAllocator } from './uniform.js';
export { NeymanAllocator } from './neyman.js';
export { type FlopsState, FlopsAllocator } from './flops.js';
export { type RunningStats, initStats, lossOf, observeStats, sigmaOf } from './running-stats.js';
export { ALLOCATORS, type AllocatorName, createAllocator } from './registry.js';
