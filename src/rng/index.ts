export { philox4x32 } from './philox.js';
export { deriveSeed, type Seed } from './stream.js';
export {
  fillGaussian,
  fillRademacher,
  fillUniform,
  noiseBackend,
  setNoiseBackend,
  type NoiseArray,
  type NoiseBackendName,
} from './noise.js';
export { benchmarkNoise, type NoiseBenchmarkOptions, type NoiseBenchmarkResult } from './benchmark.js';
export { CHUNK, SLOTS, type ChunkSource, type VectorBackend, appliedRatio, noiseInto } from './vector.js';
export { allFinite, readChunks, vectorKernel } from './noise.js';
