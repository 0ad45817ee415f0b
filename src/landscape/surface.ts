import type { Batch } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import type { GraphSpec } from '../engine/ir/graph.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import type { ParamLayout } from '../nn/params.js';
import type { Objective } from '../objectives/objective.js';
import { batchFeeds, programInputs } from '../objectives/program-inputs.js';

/**
 * What computes a landscape's grid: the mean batch loss at θ + alpha[i]·d1 + beta[i]·d2
 * for every i. `SurfaceEvaluator` runs it in this process; a worker pool splits the calls.
 */
export interface SurfaceLosses {
  /**
   * @throws RangeError when the vectors are not laid out like θ, alpha and beta differ in
   * length, or copiesPerCall is not a positive integer.
   */
  losses(theta: Float32Array, d1: Float32Array, d2: Float32Array, alpha: Float32Array, beta: Float32Array, batch: Batch, copiesPerCall?: number): Promise<Float64Array>;
}

/**
 * Mean losses at grid points θ + αᵢ d₁ + βᵢ d₂, K points per engine call. The program
 * takes θ, the two directions and the K coefficient pairs, and forms the K parameter
 * copies itself (3·K·P multiply-adds in the graph), so a call feeds 3P + 2K numbers
 * instead of K·P offsets: the copies' forward passes are all it costs.
 */
export class SurfaceEvaluator implements SurfaceLosses {
  private readonly programs = new Map<number, Promise<Program>>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {}

  private program(k: number): Promise<Program> {
    let program = this.programs.get(k);
    if (program === undefined) this.programs.set(k, (program = compile(surfaceProgram(this.model, this.objective, k), this.compileOptions)));
    return program;
  }

  /**
   * The mean batch loss at θ + alpha[i]·d1 + beta[i]·d2 for every i, in calls of at most
   * `copiesPerCall` points (a memory bound: each holds that many copies of the activations;
   * the last call of several is padded to the same size).
   */
  async losses(theta: Float32Array, d1: Float32Array, d2: Float32Array, alpha: Float32Array, beta: Float32Array, batch: Batch, copiesPerCall = 16): Promise<Float64Array> {
    const k = checkSurface(this.model.layout, theta, d1, d2, alpha, beta, copiesPerCall);
    const feeds = { ...batchFeeds(this.model, this.objective, batch), ...surfaceFeeds(this.model.layout, theta, d1, d2) };
    const program = await this.program(k);
    return surfaceCalls(async (f) => float32Output(await program.run(f), 0), feeds, alpha, beta, k, 0, surfaceCallCount(alpha.length, k));
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}

/**
 * The landscape program for k points a call: inputs x, y, θ (each parameter under its
 * name), d1 and d2 (`<name>:d1`, `<name>:d2`), alpha [k] and beta [k]; output the mean loss
 * of each point [k].
 */
export function surfaceProgram(model: Model, objective: Objective, k: number): GraphSpec {
  const { x, y } = programInputs(model, objective);
  const params = model.paramInputs();
  const entries = model.layout.entries;
  const d1 = entries.map((e) => input(`${e.name}:d1`, 'float32', e.shape));
  const d2 = entries.map((e) => input(`${e.name}:d2`, 'float32', e.shape));
  const alpha = input('alpha', 'float32', [k]);
  const beta = input('beta', 'float32', [k]);
  const along = (c: Tensor, rank: number) => reshape(c, [k, ...new Array<number>(rank).fill(1)]);
  const copies = params.map((p, i) => add(p, add(mul(along(alpha, p.rank), d1[i]!), mul(along(beta, p.rank), d2[i]!))));
  const losses = objective.loss(model.forward(x, copies, { lead: 1 }).out, y);
  return { inputs: [x, y, ...params, ...d1, ...d2, alpha, beta], outputs: [mean(losses, [1])] };
}

/** Checks a surface request against θ's layout; returns the points per call (k ≤ copiesPerCall). */
export function checkSurface(layout: ParamLayout, theta: Float32Array, d1: Float32Array, d2: Float32Array, alpha: Float32Array, beta: Float32Array, copiesPerCall: number): number {
  for (const [what, v] of [['theta', theta], ['d1', d1], ['d2', d2]] as const) layout.check(v, what);
  if (alpha.length !== beta.length) throw new RangeError(`alpha and beta must have one value per point, got ${alpha.length} and ${beta.length}`);
  if (!Number.isSafeInteger(copiesPerCall) || copiesPerCall < 1) throw new RangeError(`copiesPerCall must be a positive integer, got ${copiesPerCall}`);
  return Math.min(copiesPerCall, alpha.length);
}

/** Feeds of θ, d1 and d2 by the landscape program's input names (views, no copies). */
export function surfaceFeeds(layout: ParamLayout, theta: Float32Array, d1: Float32Array, d2: Float32Array): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const e of layout.entries) {
    const view = (v: Float32Array) => new HostTensor('float32', e.shape, v.subarray(e.offset, e.offset + e.size));
    feeds[e.name] = view(theta);
    feeds[`${e.name}:d1`] = view(d1);
    feeds[`${e.name}:d2`] = view(d2);
  }
  return feeds;
}

/** Calls a grid of n points takes at k points a call. */
export function surfaceCallCount(n: number, k: number): number {
  return Math.ceil(n / k);
}

/**
 * Mean losses of calls [from, to) of a grid (points [from·k, min(to·k, n)) of alpha and
 * beta), returned for those points. Every call holds k points, the last one padded with
 * the origin: one compiled program, where a remainder would compile a second — and the
 * same computation for a call wherever it runs.
 */
export async function surfaceCalls(run: (feeds: Record<string, HostTensor>) => Promise<Float32Array>, feeds: Record<string, HostTensor>, alpha: Float32Array, beta: Float32Array, k: number, from: number, to: number): Promise<Float64Array> {
  const first = from * k;
  const out = new Float64Array(Math.max(0, Math.min(to * k, alpha.length) - first));
  const a = new Float32Array(k);
  const b = new Float32Array(k);
  for (let call = from; call < to; call++) {
    const start = call * k;
    const n = Math.min(k, alpha.length - start);
    a.fill(0).set(alpha.subarray(start, start + n));
    b.fill(0).set(beta.subarray(start, start + n));
    const result = await run({ ...feeds, alpha: new HostTensor('float32', [k], a), beta: new HostTensor('float32', [k], b) });
    out.set(result.subarray(0, n), start - first);
  }
  return out;
}

/** n evenly spaced points on [lo, hi] (n ≥ 2; the ends exact). */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`points must be an integer ≥ 2, got ${n}`);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
}
