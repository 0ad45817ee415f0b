import { availableParallelism, cpus, loadavg } from 'node:os';
import { sgd } from '../optim/aliases.js';
import { applyGradient } from '../optim/transform.js';
import { fillGaussian, fillRademacher, vectorKernel } from '../rng/noise.js';
import { CHUNK, type VectorBackend } from '../rng/vector.js';
import { Domain } from '../rng/stream.js';
import { benchMlp } from './targets.js';
import { timeInterleaved } from './timing.js';

export interface KernelsBenchOptions {
  /** Hidden width W of the MLP 784-W-W-10 whose θ the kernels pass over (default 256). */
  readonly width?: number;
  /** Batch of the forward pass they are compared with (default 64). */
  readonly batch?: number;
  readonly seconds?: number;
  /** onnxruntime intra-op threads of that forward pass (default: the thread default). */
  readonly threads?: number;
}

/** One per-parameter operation: its time per element and one pass over θ against a forward pass. */
export interface KernelRow {
  readonly kernel: string;
  /** Median time of one pass over θ divided by its P elements, in nanoseconds. */
  readonly nsPerElement: number;
  /** One pass over θ ÷ one forward pass with the loss, timed in alternating blocks. */
  readonly perForward: number;
}

export interface KernelsBenchResult {
  readonly backend: string;
  readonly model: string;
  readonly parameters: number;
  readonly batch: number;
  readonly forwardMs: number;
  readonly rows: readonly KernelRow[];
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly load: readonly number[] };
}

/**
 * What the per-parameter work of a step costs, one operation at a time: each kernel of
 * the per-parameter backend run over θ's P elements (chunk by chunk on the same slots, so
 * in L1: its arithmetic alone), and the whole-array operations a step is made of (copying
 * θ, drawing a direction, an SGD update), each against a forward pass of the MLP at the
 * batch, timed in alternating blocks. It is the floor under the step rows of
 * `bench targets`: a step's per-parameter work is a sum of such passes.
 */
export async function benchKernels(options: KernelsBenchOptions = {}): Promise<KernelsBenchResult> {
  const { width = 256, batch = 64, seconds = 1, threads } = options;
  const { theta, forward } = await benchMlp(width, batch, 1, threads);
  const p = theta.length;

  const kernel = vectorKernel();
  kernel.slots.forEach((slot, i) => fillGaussian(slot, 10 + i, 0, 0.01));
  const acc = new Float64Array(8);
  // One pass of a slot kernel over P elements: CHUNK at a time on the same slots.
  const overTheta = (run: (k: VectorBackend, n: number, at: number) => unknown) => () => {
    for (let at = 0; at < p; at += CHUNK) run(kernel, Math.min(CHUNK, p - at), at);
  };
  const copy = new Float32Array(p);
  const gradient = new Float32Array(p);
  fillGaussian(gradient, 5, 0, 1e-3);
  const optimizer = sgd(1e-9);
  const optimizerState = optimizer.init(theta);
  let offset = 0;
  const operations: [string, () => unknown][] = [
    ['scale (u·f, float64)', overTheta((k, n) => k.scale(0, n, 0.999))],
    ['axpy (y + a·x, float64)', overTheta((k, n) => k.axpy(0, 1, n, 1e-9))],
    ['addScaled (θ + fl(u·f))', overTheta((k, n) => k.addScaled(0, 1, n, 1e-9))],
    ['add (float32)', overTheta((k, n) => k.add(2, 0, 1, n))],
    ['pair (θ + o and θ − o)', overTheta((k, n) => k.pair(2, 3, 0, 1, n))],
    ['applied (pair and the applied-step sums)', overTheta((k, n, at) => k.applied(0, 1, n, at, true, acc, { plus: 2, minus: 3 }))],
    ['momentum', overTheta((k, n) => k.momentum(0, 1, n, 0.9, false))],
    ['adam', overTheta((k, n) => k.adam(0, 1, 2, n, 0.9, 0.999, 1.1, 1.2, 1e-8))],
    ['finite check', overTheta((k, n) => k.finite(0, n))],
    ['Rademacher noise into a slot', overTheta((k, n) => k.noise(4, Domain.Rademacher, n, (offset += n), 1, 2, 1e-3))],
    ['Gaussian noise into a slot', overTheta((k, n) => k.noise(4, Domain.Gaussian, n, (offset += n), 1, 2, 1e-3))],
    ['copy θ (TypedArray.set, P floats)', () => copy.set(theta)],
    ['Rademacher direction (fillRademacher, P floats)', () => fillRademacher(copy, 7, (offset += p), 1e-3)],
    ['Gaussian direction (fillGaussian, P floats)', () => fillGaussian(copy, 7, (offset += p))],
    ['SGD update (applyGradient: θ ← θ − lr·g)', () => applyGradient(optimizer, gradient, optimizerState, theta, 0)],
  ];
  const timings = await timeInterleaved([forward, ...operations.map(([, run]) => run)], { seconds });
  const forwardMs = timings[0]!.medianMs;
  const rows = operations.map(([name], i) => {
    const t = timings[i + 1]!.medianMs;
    return { kernel: name, nsPerElement: (t * 1e6) / p, perForward: t / forwardMs };
  });
  return { backend: kernel.name, model: `mlp:784-${width}-${width}-10`, parameters: p, batch, forwardMs, rows, machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, load: loadavg() } };
}
