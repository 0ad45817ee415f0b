import { cpus } from 'node:os';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type CompileOptions, backend } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { filterNormalizedDirection } from '../landscape/directions.js';
import { computeLandscape } from '../landscape/landscape.js';
import { SurfaceEvaluator } from '../landscape/surface.js';
import { mlp } from '../nn/factories.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { fillGaussian } from '../rng/noise.js';
import { timeInterleaved } from './timing.js';

export interface LandscapeBenchOptions {
  /** Examples the landscape's loss is taken on (default 1000). */
  readonly examples?: number;
  /** Grid points per axis of the full landscape (default 51). */
  readonly points?: number;
  /** Grid points (and the reference's copies) per engine call (default 16). */
  readonly copies?: number;
  /** The engine benchmark's batch for the reference (default 256). */
  readonly batch?: number;
  readonly seconds?: number;
  readonly compile?: CompileOptions;
}

export interface LandscapeBenchResult {
  readonly model: string;
  readonly parameters: number;
  readonly examples: number;
  readonly copies: number;
  /** Example-forwards per second (copies × examples / s) of each, timed in alternating blocks. */
  readonly throughput: {
    /** The engine benchmark's stacked forward: `copies` copies fed as [K, …] parameters, batch `batch`, logits only. */
    readonly stacked: number;
    /** The same stacked forward on the landscape's examples. */
    readonly stackedOnExamples: number;
    /** One call of the landscape program: `copies` grid points formed in the graph, mean loss per point. */
    readonly landscape: number;
    /** The same points through the ModelLossOracle as dense offsets [copies, P]. */
    readonly oracle: number;
  };
  /** landscape / stacked: the target's ratio (≥ 0.85). */
  readonly ratio: number;
  readonly oracleRatio: number;
  /** A whole points × points landscape: its time and throughput against the stacked reference measured just before and after it. */
  readonly full: { readonly points: number; readonly seconds: number; readonly throughput: number; readonly ratio: number };
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly runtime: string; readonly threads: number | 'default' };
}

/**
 * The landscape benchmark: a 2-D loss landscape of the 784-256-256-10 MLP on 1,000
 * examples against the engine benchmark's stacked forward (K weight copies per call),
 * as example-forwards per second. The landscape program and the reference are timed in
 * alternating blocks (the ratio), then a whole 51 × 51 landscape runs once.
 */
export async function benchLandscape(options: LandscapeBenchOptions = {}): Promise<LandscapeBenchResult> {
  const { examples = 1000, points = 51, copies = 16, batch = 256, seconds = 3 } = options;
  const model = mlp([784, 256, 256, 10]);
  const objective = crossEntropyObjective();
  const theta = model.init(1);
  const input = (n: number) => {
    const x = new Float32Array(n * 784);
    fillGaussian(x, 2);
    return new HostTensor('float32', [n, 784], x);
  };
  const xs = input(examples);
  const data = { x: xs, y: new HostTensor('int64', [examples], BigInt64Array.from({ length: examples }, (_, i) => BigInt(i % 10))) };

  // The engine benchmark's stacked program: parameters [K, …] fed directly, logits out.
  const stackedParams = model.paramInputs([copies]);
  const xIn = model.inputTensor();
  const stacked = await compile({ inputs: [xIn, ...stackedParams], outputs: [model.forward(xIn, stackedParams, { lead: 1 }).out] }, options.compile);
  const stackedFeeds = Object.fromEntries(model.layout.entries.map((e) => {
    const copy = new Float32Array(copies * e.size);
    for (let k = 0; k < copies; k++) copy.set(theta.subarray(e.offset, e.offset + e.size), k * e.size);
    return [e.name, copy];
  }));
  const reference = input(batch);

  const evaluator = new SurfaceEvaluator(model, objective, options.compile);
  const oracle = new ModelLossOracle(model, objective, options.compile);
  const d1 = filterNormalizedDirection(model.layout, theta, 3);
  const d2 = filterNormalizedDirection(model.layout, theta, 4);
  const alpha = Float32Array.from({ length: copies }, (_, i) => -1 + (2 * i) / copies);
  const beta = alpha.slice().reverse();
  const offsets = new Float32Array(copies * theta.length);
  for (let c = 0; c < copies; c++) for (let i = 0; i < theta.length; i++) offsets[c * theta.length + i] = alpha[c]! * d1[i]! + beta[c]! * d2[i]!;
  try {
    const runStacked = () => stacked.run({ x: reference, ...stackedFeeds });
    const [ref, refOnExamples, surface, viaOracle] = await timeInterleaved([
      runStacked,
      () => stacked.run({ x: xs, ...stackedFeeds }),
      () => evaluator.losses(theta, d1, d2, alpha, beta, data, copies),
      // Forming the offsets is the oracle path's own work: count it.
      () => {
        const o = new Float32Array(offsets.length);
        for (let c = 0; c < copies; c++) for (let i = 0; i < theta.length; i++) o[c * theta.length + i] = alpha[c]! * d1[i]! + beta[c]! * d2[i]!;
        return oracle.evaluate({ params: theta, batch: data, perturbation: { kind: 'offsets', offsets: o, copies } });
      },
    ], { seconds, warmup: 2, blockMs: 1000 });
    const rate = (ms: number, n: number) => (1000 * copies * n) / ms;
    const stackedRate = rate(ref!.medianMs, batch);
    const landscapeRate = rate(surface!.medianMs, examples);
    const oracleRate = rate(viaOracle!.medianMs, examples);
    const before = (await timeInterleaved([runStacked], { seconds: Math.min(seconds, 2), warmup: 1 }))[0]!;
    const full = await computeLandscape(evaluator, data, { centre: theta, directions: [d1, d2], range: [-1, 1], points, copiesPerCall: copies });
    const after = (await timeInterleaved([runStacked], { seconds: Math.min(seconds, 2), warmup: 1 }))[0]!;
    const fullRate = (full.evaluated * examples) / full.seconds;
    const around = (rate(before.medianMs, batch) + rate(after.medianMs, batch)) / 2;
    return {
      model: model.spec,
      parameters: model.layout.size,
      examples,
      copies,
      throughput: { stacked: stackedRate, stackedOnExamples: rate(refOnExamples!.medianMs, examples), landscape: landscapeRate, oracle: oracleRate },
      ratio: landscapeRate / stackedRate,
      oracleRatio: oracleRate / stackedRate,
      full: { points, seconds: full.seconds, throughput: fullRate, ratio: fullRate / around },
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, runtime: backend().name, threads: options.compile?.threads ?? 'default' },
    };
  } finally {
    await Promise.all([stacked.dispose(), evaluator.dispose(), oracle.dispose()]);
  }
}
