import { cpus } from 'node:os';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { createEstimator } from '../estimators/registry.js';
import { modelFromSpec } from '../nn/factories.js';
import type { Model } from '../nn/model.js';
import { type Objective, crossEntropyObjective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { fillGaussian } from '../rng/noise.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { timeInterleaved } from './timing.js';

export interface EstimatorBenchOptions {
  /** A model spec for MNIST-shaped inputs (default the 784-256-256-10 MLP). */
  readonly model?: string;
  readonly batch?: number;
  readonly directions?: number;
  readonly seconds?: number;
  readonly threads?: number;
}

export interface StepCost {
  readonly method: string;
  readonly options: Readonly<Record<string, number | string>>;
  readonly stepMs: number;
  /** The reference forward, timed in alternation with the step. */
  readonly referenceMs: number;
  /** stepMs over referenceMs. */
  readonly ratio: number;
  readonly reference: 'forward' | 'stacked forward';
}

export interface EstimatorBenchResult {
  readonly model: string;
  readonly batch: number;
  readonly directions: number;
  /** One forward pass with the loss. */
  readonly forwardMs: number;
  /** One forward pass of `directions` perturbed copies in one call. */
  readonly stackedForwardMs: number;
  readonly steps: readonly StepCost[];
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
}

/** One forward pass (with the loss) of `copies` weight copies in one call, ready to time (shared with the import suite). */
export async function forwardPass(model: Model, objective: Objective, theta: Float32Array, batch: { x: HostTensor<'float32'>; y: HostTensor<'int64'> }, copies: number, options: CompileOptions = {}): Promise<() => Promise<unknown>> {
  const { x, y } = programInputs(model, objective);
  const lead = copies > 1 ? [copies] : [];
  const params = model.paramInputs(lead);
  const loss = objective.loss(model.forward(x, params, { lead: lead.length }).out, y);
  const program = await compile({ inputs: [x, y, ...params], outputs: [loss] }, options);
  const stacked = new Float32Array(copies * theta.length);
  for (let c = 0; c < copies; c++) stacked.set(theta, c * theta.length);
  const feeds = copies > 1 ? { ...modelFeeds(model, objective, theta, batch), ...Object.fromEntries(model.layout.entries.map((e) => [e.name, stackedView(stacked, theta.length, copies, e.offset, e.size)])) } : modelFeeds(model, objective, theta, batch);
  return () => program.run(feeds);
}

/** Parameter `offset..offset+size` of every copy, gathered as [copies, size]. */
function stackedView(stacked: Float32Array, p: number, copies: number, offset: number, size: number): Float32Array {
  const out = new Float32Array(copies * size);
  for (let c = 0; c < copies; c++) out.set(stacked.subarray(c * p + offset, c * p + offset + size), c * size);
  return out;
}

/**
 * The cost of one estimator step (estimate only: noise, engine call, gradient) against
 * the forward passes it is made of: spsa against one call of K perturbed copies, the
 * others against one forward pass, each timed in alternation with its reference. Measured in one run, on MNIST-shaped inputs, for the
 * MLP's methods or, for a localmixer, the local-loss methods too.
 */
export async function benchEstimators(options: EstimatorBenchOptions = {}): Promise<EstimatorBenchResult> {
  const { model: spec = 'mlp:784-256-256-10', batch: b = 256, directions: k = 16, seconds = 2, threads } = options;
  const model = modelFromSpec(spec, [1, 28, 28], 10);
  const theta = model.init(1);
  const x = HostTensor.zeros('float32', [b, 1, 28, 28]);
  fillGaussian(x.data, 3);
  const batch = { x, y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i % 10))) };
  const objective = crossEntropyObjective();
  const forward = await forwardPass(model, objective, theta, batch, 1, threads ? { threads } : {});
  const stacked = await forwardPass(model, objective, theta, batch, k, threads ? { threads } : {});
  const [forwardTiming, stackedTiming] = await timeInterleaved([forward, stacked], { seconds });
  const local = spec.startsWith('localmixer');
  type Row = readonly [string, Readonly<Record<string, number | string>>, 'forward' | 'stacked forward'];
  const localRows: Row[] = [['lg-bp', {}, 'forward'], ['lg-fg-a', {}, 'forward'], ['lg-fg-w', {}, 'forward']];
  const rows: Row[] = [
    ['bp', {}, 'forward'],
    ...(local ? localRows : []),
    ['fg-a', {}, 'forward'],
    ['fg-w', {}, 'forward'],
    ['spsa', { directions: k, scheme: 'forward' }, 'stacked forward'],
    ['spsa', { directions: k / 2, scheme: 'central' }, 'stacked forward'],
    ['spsa', { directions: k, scheme: 'central', directionsPerCall: k }, 'stacked forward'],
  ];
  const steps: StepCost[] = [];
  for (const [method, estimatorOptions, reference] of rows) {
    const estimator = createEstimator(method, { model, objective, seed: 1, ...(threads ? { compile: { threads } } : {}) }, estimatorOptions);
    const state = estimator.init(theta);
    let step = 0;
    const [referenceTiming, stepTiming] = await timeInterleaved([reference === 'forward' ? forward : stacked, () => estimator.estimate(state, { params: theta, batch, step: step++ })], { seconds });
    await estimator.dispose();
    const [referenceMs, stepMs] = [referenceTiming!.medianMs, stepTiming!.medianMs];
    steps.push({ method, options: estimatorOptions, stepMs, referenceMs, ratio: stepMs / referenceMs, reference });
  }
  return { model: model.spec, batch: b, directions: k, forwardMs: forwardTiming!.medianMs, stackedForwardMs: stackedTiming!.medianMs, steps, machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version } };
}
