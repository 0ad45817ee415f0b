import type { Batch } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { mean } from '../engine/ops/mean.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { batchFeeds, programInputs } from '../objectives/program-inputs.js';

/**
 * Mean losses at grid points θ + αᵢ d₁ + βᵢ d₂, K points per engine call. The program
 * takes θ, the two directions and the K coefficient pairs, and forms the K parameter
 * copies itself (3·K·P multiply-adds in the graph), so a call feeds 3P + 2K numbers
 * instead of K·P offsets: the copies' forward passes are all it costs.
 */
export class SurfaceEvaluator {
  private readonly programs = new Map<number, Promise<Program>>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {}

  private program(k: number): Promise<Program> {
    let program = this.programs.get(k);
    if (program === undefined) {
      const { x, y } = programInputs(this.model, this.objective);
      const params = this.model.paramInputs();
      const entries = this.model.layout.entries;
      const d1 = entries.map((e) => input(`${e.name}:d1`, 'float32', e.shape));
      const d2 = entries.map((e) => input(`${e.name}:d2`, 'float32', e.shape));
      const alpha = input('alpha', 'float32', [k]);
      const beta = input('beta', 'float32', [k]);
      const along = (c: Tensor, rank: number) => reshape(c, [k, ...new Array<number>(rank).fill(1)]);
      const copies = params.map((p, i) => add(p, add(mul(along(alpha, p.rank), d1[i]!), mul(along(beta, p.rank), d2[i]!))));
      const losses = this.objective.loss(this.model.forward(x, copies, { lead: 1 }).out, y);
      this.programs.set(k, (program = compile({ inputs: [x, y, ...params, ...d1, ...d2, alpha, beta], outputs: [mean(losses, [1])] }, this.compileOptions)));
    }
    return program;
  }

  /**
   * The mean batch loss at θ + alpha[i]·d1 + beta[i]·d2 for every i, in calls of at most
   * `copiesPerCall` points (a memory bound: each holds that many copies of the activations;
   * the last call of several is padded to the same size).
   * @throws RangeError when the vectors are not laid out like θ or alpha and beta differ in length.
   */
  async losses(theta: Float32Array, d1: Float32Array, d2: Float32Array, alpha: Float32Array, beta: Float32Array, batch: Batch, copiesPerCall = 16): Promise<Float64Array> {
    const layout = this.model.layout;
    for (const [what, v] of [['theta', theta], ['d1', d1], ['d2', d2]] as const) layout.check(v, what);
    if (alpha.length !== beta.length) throw new RangeError(`alpha and beta must have one value per point, got ${alpha.length} and ${beta.length}`);
    if (!Number.isSafeInteger(copiesPerCall) || copiesPerCall < 1) throw new RangeError(`copiesPerCall must be a positive integer, got ${copiesPerCall}`);
    const feeds: Record<string, HostTensor | Float32Array> = { ...batchFeeds(this.model, this.objective, batch), ...this.model.paramFeeds(theta) };
    for (const e of layout.entries) {
      feeds[`${e.name}:d1`] = layout.view(d1, e.name);
      feeds[`${e.name}:d2`] = layout.view(d2, e.name);
    }
    const out = new Float64Array(alpha.length);
    // Every call of a long request holds copiesPerCall points, the last one padded with
    // the origin: one compiled program, where a remainder would compile a second.
    const k = Math.min(copiesPerCall, alpha.length);
    const program = await this.program(k);
    const a = new Float32Array(k);
    const b = new Float32Array(k);
    for (let start = 0; start < alpha.length; start += k) {
      const n = Math.min(k, alpha.length - start);
      a.fill(0).set(alpha.subarray(start, start + n));
      b.fill(0).set(beta.subarray(start, start + n));
      const result = await program.run({ ...feeds, alpha: a, beta: b });
      out.set(float32Output(result, 0).subarray(0, n), start);
    }
    return out;
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}

/** n evenly spaced points on [lo, hi] (n ≥ 2; the ends exact). */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`points must be an integer ≥ 2, got ${n}`);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
}
