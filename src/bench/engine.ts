import { cpus } from 'node:os';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type CompileOptions, backend } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { mlp } from '../nn/factories.js';
import { benchmarkNoise } from '../rng/benchmark.js';
import { fillGaussian } from '../rng/noise.js';
import { timeInterleaved } from './timing.js';

export interface EngineBenchOptions {
  readonly batch?: number;
  /** Perturbed copies per call for the stacked measurement. */
  readonly copies?: number;
  readonly seconds?: number;
  readonly compile?: CompileOptions;
}

export interface EngineBenchResult {
  readonly model: string;
  readonly parameters: number;
  readonly batch: number;
  readonly copies: number;
  /** Forward passes (one copy of the model over the batch) per second, one copy per call. */
  readonly forwardPerSecond: number;
  /** Forward passes per second when `copies` perturbed copies run in one call. */
  readonly stackedForwardPerSecond: number;
  /** stackedForwardPerSecond / forwardPerSecond, measured in the same run. */
  readonly stackedSpeedup: number;
  readonly forwardMs: number;
  readonly noise: {
    readonly backend: string;
    readonly gaussianMs: number;
    readonly rademacherMs: number;
    readonly gaussianPerSecond: number;
    readonly rademacherPerSecond: number;
    /** Time to draw one model's worth of noise relative to one forward pass. */
    readonly gaussianOverForward: number;
    readonly rademacherOverForward: number;
  };
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly runtime: string; readonly threads: number | 'default' };
}

/**
 * The engine benchmark: forward passes per second of the 784-256-256-10 MLP with one
 * and with K perturbed weight copies per call, and the cost of drawing one model's
 * worth of noise, as a ratio to one forward pass measured in the same run.
 */
export async function benchEngine(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const { batch = 256, copies = 16, seconds = 2 } = options;
  const model = mlp([784, 256, 256, 10]);
  const theta = model.init(1);
  const x = new HostTensor('float32', [batch, 784], new Float32Array(batch * 784));
  fillGaussian(x.data as Float32Array, 2);

  const xIn = model.inputTensor();
  const params = model.paramInputs();
  const single = await compile({ inputs: [xIn, ...params], outputs: [model.forward(xIn, params).out] }, options.compile);
  const singleFeeds = { x, ...model.paramFeeds(theta) };

  const stackedParams = model.paramInputs([copies]);
  const xs = model.inputTensor();
  const stacked = await compile({ inputs: [xs, ...stackedParams], outputs: [model.forward(xs, stackedParams, { lead: 1 }).out] }, options.compile);
  const stackedFeeds = {
    x,
    ...Object.fromEntries(model.layout.entries.map((e) => {
      const copy = new Float32Array(copies * e.size);
      for (let k = 0; k < copies; k++) copy.set(theta.subarray(e.offset, e.offset + e.size), k * e.size);
      return [e.name, copy];
    })),
  };
  const [forward, stackedTiming] = await timeInterleaved([() => single.run(singleFeeds), () => stacked.run(stackedFeeds)], { seconds });

  const noise = benchmarkNoise({ elements: model.layout.size, minTimeMs: seconds * 500 });
  const forwardMs = forward!.medianMs;
  const forwardPerSecond = 1000 / forwardMs;
  const stackedForwardPerSecond = (1000 * copies) / stackedTiming!.medianMs;
  return {
    model: model.spec,
    parameters: model.layout.size,
    batch,
    copies,
    forwardPerSecond,
    stackedForwardPerSecond,
    stackedSpeedup: stackedForwardPerSecond / forwardPerSecond,
    forwardMs,
    noise: {
      backend: noise.backend,
      gaussianMs: noise.gaussianMs,
      rademacherMs: noise.rademacherMs,
      gaussianPerSecond: noise.gaussianPerSecond,
      rademacherPerSecond: noise.rademacherPerSecond,
      gaussianOverForward: noise.gaussianMs / forwardMs,
      rademacherOverForward: noise.rademacherMs / forwardMs,
    },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, runtime: backend().name, threads: options.compile?.threads ?? 'default' },
  };
}
