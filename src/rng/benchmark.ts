/**
 * Noise throughput, for `forwardprop bench engine`: how long one model's worth of
 * perturbation takes to regenerate (270,000 elements by default, the 784-256-256-10 MLP).
 */
import {
  fillGaussian,
  fillRademacher,
  fillUniform,
  noiseBackend,
  setNoiseBackend,
  type NoiseBackendName,
} from './noise.js';

export interface NoiseBenchmarkOptions {
  /** Elements per fill; default 270,000. */
  elements?: number;
  /** Measuring time per kind of noise after warm-up, in ms; default 200. */
  minTimeMs?: number;
  /** Backend to measure; default the one in use. */
  backend?: NoiseBackendName;
}

export interface NoiseBenchmarkResult {
  backend: NoiseBackendName;
  elements: number;
  gaussianMs: number;
  gaussianPerSecond: number;
  rademacherMs: number;
  rademacherPerSecond: number;
  uniformMs: number;
  uniformPerSecond: number;
}

type Fill = (out: Float32Array, seed: number, offset: number) => void;

/** Median over rounds of ≥ 5 ms of the mean time per fill, each fill at a fresh offset as in training. */
function msPerFill(fill: Fill, out: Float32Array, minTimeMs: number): number {
  let offset = 0;
  const run = (fills: number): number => {
    const start = performance.now();
    for (let i = 0; i < fills; i++, offset += out.length) fill(out, 1, offset);
    return performance.now() - start;
  };
  // Warm-up lets V8 tier the kernel up; it also sizes rounds to about 5 ms.
  let fills = 1;
  while (run(fills) < 5) fills *= 2;
  const rounds: number[] = [];
  for (let spent = 0; spent < minTimeMs || rounds.length < 3; ) {
    const ms = run(fills);
    rounds.push(ms / fills);
    spent += ms;
  }
  rounds.sort((a, b) => a - b);
  return rounds[rounds.length >> 1]!;
}

export function benchmarkNoise(options: NoiseBenchmarkOptions = {}): NoiseBenchmarkResult {
  const { elements = 270_000, minTimeMs = 200, backend = noiseBackend() } = options;
  if (!Number.isSafeInteger(elements) || elements < 1) {
    throw new RangeError(`elements must be a positive safe integer, got ${elements}`);
  }
  if (!(minTimeMs >= 0)) throw new RangeError(`minTimeMs must be non-negative, got ${minTimeMs}`);
  const previous = noiseBackend();
  setNoiseBackend(backend);
  try {
    const out = new Float32Array(elements);
    const gaussianMs = msPerFill(fillGaussian, out, minTimeMs);
    const rademacherMs = msPerFill(fillRademacher, out, minTimeMs);
    const uniformMs = msPerFill(fillUniform, out, minTimeMs);
    const perSecond = (ms: number): number => (elements / ms) * 1000;
    return {
      backend,
      elements,
      gaussianMs,
      gaussianPerSecond: perSecond(gaussianMs),
      rademacherMs,
      rademacherPerSecond: perSecond(rademacherMs),
      uniformMs,
      uniformPerSecond: perSecond(uniformMs),
    };
  } finally {
    setNoiseBackend(previous);
  }
}
