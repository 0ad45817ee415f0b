export * from './allocator.js';
export { UniformAllocator } from './uniform.js';
export { NeymanAllocator } from './neyman.js';
export { type SoftmaxState, SoftmaxAllocator } from './softmax.js';
export { type GaussianAllocatorOptions, type GaussianState, GaussianAllocator } from './flops.js';
export { type RunningStats, initStats, lossOf, observeStats, sigmaOf, sigmaOfBatch } from './running-stats.js';
export { ALLOCATORS, type AllocatorName, type AllocatorOptions, createAllocator } from './registry.js';
