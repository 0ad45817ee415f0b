import type { Batch } from '../data/batches.js';
import { input } from '../engine/ir/tensor.js';
import { mean } from '../engine/ops/mean.js';
import { type CompileOptions, type Program } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { grad } from '../engine/transforms/vjp.js';
import { runGradient } from '../estimators/graph-outputs.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import { fillGaussian } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/**
 * Hessian-vector products of the mean batch loss, Hv = ∂/∂ε ∇L(θ + εv) at ε = 0, exact:
 * forward mode over reverse mode (the engine's jvp of its grad graph, Pearlmutter 1994),
 * about four forward passes per product and no Hessian ever formed.
 */
export class HessianVectorProduct {
  private program?: Promise<Program>;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {}

  private build(): Promise<Program> {
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const v = this.model.layout.entries.map((e) => input(`${e.name}:v`, 'float32', e.shape));
    const grads = grad(mean(this.objective.loss(this.model.forward(x, params).out, y)), params);
    const hv = jvp(grads, new Map(params.map((p, i) => [p, v[i]!])));
    return compile({ inputs: [x, y, ...params, ...v], outputs: hv }, this.compileOptions);
  }

  /** H(θ)·v on the batch, laid out like θ. */
  async apply(theta: Float32Array, v: Float32Array, batch: Batch): Promise<Float32Array> {
    this.model.layout.check(v, 'v');
    this.program ??= this.build();
    const feeds = { ...modelFeeds(this.model, this.objective, theta, batch), ...Object.fromEntries(this.model.layout.entries.map((e) => [`${e.name}:v`, this.model.layout.view(v, e.name)])) };
    return (await runGradient(await this.program, feeds, 0)).grad;
  }

  async dispose(): Promise<void> {
    await (await this.program?.catch(() => undefined))?.dispose();
  }
}

export interface EigenOptions {
  /** Most products per eigenvalue (default 100). */
  readonly iterations?: number;
  /** Stop when the residual ‖Av − λv‖ is below this share of |λ| (default 1e-3). */
  readonly tolerance?: number;
  readonly seed?: Seed;
  /** Restrict H to these entries (a sub-net): v stays zero elsewhere. */
  readonly mask?: Float32Array;
}

export interface Eigenvalue {
  readonly value: number;
  /**
   * ‖Hv − value·v‖ at the last iterate: some eigenvalue of H lies within it of `value`
   * (H symmetric), so it bounds the error whether or not the iteration converged.
   */
  readonly residual: number;
  readonly iterations: number;
  /** Whether the residual met the tolerance before the iteration cap. */
  readonly converged: boolean;
}

/**
 * The eigenvalue of largest magnitude of A = `hvp` − shift·I by power iteration
 * (v ← Av/‖Av‖, μ = vᵀAv) from a seeded Gaussian start, stopped when the residual
 * ‖Av − μv‖ ≤ tolerance·|μ|. Shifting by the top eigenvalue makes the bottom of the
 * spectrum the largest in magnitude: μ = λ_min − shift. Returned unshifted (μ + shift),
 * with its residual.
 */
export async function powerIteration(hvp: (v: Float32Array) => Promise<Float32Array>, size: number, options: EigenOptions & { readonly shift?: number } = {}): Promise<Eigenvalue> {
  const { iterations = 100, tolerance = 1e-3, seed = 0, mask, shift = 0 } = options;
  let v: Float32Array = new Float32Array(size);
  fillGaussian(v, seed);
  if (mask) v = v.map((x, i) => x * mask[i]!);
  normalise(v);
  let value = Number.NaN;
  let residual = Number.NaN;
  for (let it = 1; it <= iterations; it++) {
    const w = await hvp(v);
    for (let i = 0; i < size; i++) w[i] = (w[i]! - shift * v[i]!) * (mask ? mask[i]! : 1);
    let mu = 0;
    for (let i = 0; i < size; i++) mu += v[i]! * w[i]!;
    let r = 0;
    for (let i = 0; i < size; i++) r += (w[i]! - mu * v[i]!) ** 2;
    value = mu + shift;
    residual = Math.sqrt(r);
    if (residual <= tolerance * Math.abs(mu) || normalise(w) === 0) return { value, residual, iterations: it, converged: true };
    v = w;
  }
  return { value, residual, iterations, converged: false };
}

/**
 * The top and bottom Hessian eigenvalues of the mean batch loss at θ (Li et al. 2018 map
 * |λ_min / λ_max| to show how convex a region is): λ_max by power iteration on Hv, then
 * λ_min from the iteration on H − λ_max·I. The bottom one converges slowly when many
 * eigenvalues sit near zero (a network's Hessian); its residual says how far it may be.
 */
export async function hessianExtremes(hvp: HessianVectorProduct, theta: Float32Array, batch: Batch, options: EigenOptions = {}): Promise<{ readonly max: Eigenvalue; readonly min: Eigenvalue }> {
  const apply = (v: Float32Array) => hvp.apply(theta, v, batch);
  const size = theta.length;
  const max = await powerIteration(apply, size, options);
  const min = await powerIteration(apply, size, { ...options, shift: max.value });
  return { max, min };
}

function normalise(v: Float32Array): number {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return n;
}

/**
 * Curvature at the centre of a grid by central second differences with spacing h:
 * ∂²L/∂α² ≈ (L(h) − 2L(0) + L(−h))/h², and the mixed ∂²L/∂α∂β from the four diagonal
 * neighbours. `values[j][i]` is the loss at (xs[i], ys[j]) with the centre at the middle
 * index of an odd grid; a 1-D grid is one row.
 * @throws RangeError for a grid without a middle point.
 */
export function centreCurvature(values: readonly (readonly number[])[], h: number): { readonly xx: number; readonly yy?: number; readonly xy?: number } {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  if (cols < 3 || cols % 2 === 0 || (rows > 1 && (rows < 3 || rows % 2 === 0))) throw new RangeError(`second differences need an odd grid of at least 3 points per axis, got ${cols} × ${rows}`);
  const i = (cols - 1) / 2;
  const j = (rows - 1) / 2;
  const at = (di: number, dj: number) => values[j + dj]![i + di]!;
  const xx = (at(1, 0) - 2 * at(0, 0) + at(-1, 0)) / (h * h);
  if (rows === 1) return { xx };
  return { xx, yy: (at(0, 1) - 2 * at(0, 0) + at(0, -1)) / (h * h), xy: (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h) };
}
