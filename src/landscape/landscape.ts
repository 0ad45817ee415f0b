import type { Batch } from '../data/batches.js';
import { centreCurvature } from './curvature.js';
import { type SurfaceEvaluator, linspace } from './surface.js';

export interface LandscapeSpec {
  /** θ at the origin of the grid. */
  readonly centre: Float32Array;
  /** One direction (a 1-D profile) or two (a 2-D surface), laid out like θ. */
  readonly directions: readonly [Float32Array] | readonly [Float32Array, Float32Array];
  /** The coordinate range of every axis (Li et al.: [−1, 1]). */
  readonly range: readonly [number, number];
  /** Grid points per axis, at least 3 (Li et al.: 51). */
  readonly points: number;
  /** Most grid points per engine call (default 16). */
  readonly copiesPerCall?: number;
}

export interface Landscape {
  readonly xs: readonly number[];
  /** [0] for a 1-D profile. */
  readonly ys: readonly number[];
  /** values[j][i]: the mean loss at centre + xs[i]·d₁ + ys[j]·d₂. */
  readonly values: readonly (readonly number[])[];
  /** The loss at the centre itself (coordinates 0, 0). */
  readonly centre: number;
  /** Second differences at the centre, when the grid's middle point is the centre (an odd grid symmetric about 0). */
  readonly curvature?: { readonly xx: number; readonly yy?: number; readonly xy?: number };
  /** Grid points evaluated (the centre included) and the time they took. */
  readonly evaluated: number;
  readonly seconds: number;
}

/**
 * The loss landscape around θ on a batch, forward passes only: every grid point (and the
 * centre) is one parameter copy, `copiesPerCall` of them per engine call
 * (Li, Xu, Taylor, Studer, Goldstein, NeurIPS 2018).
 * @throws RangeError for fewer than 3 points per axis or an empty range.
 */
export async function computeLandscape(evaluator: SurfaceEvaluator, batch: Batch, spec: LandscapeSpec): Promise<Landscape> {
  const { centre, directions, range, points, copiesPerCall = 16 } = spec;
  if (!Number.isSafeInteger(points) || points < 3) throw new RangeError(`points must be an integer ≥ 3 per axis, got ${points}`);
  if (!(range[0] < range[1]) || !range.every(Number.isFinite)) throw new RangeError(`range must be [lo, hi] with lo < hi, got [${range.join(', ')}]`);
  const xs = linspace(range[0], range[1], points);
  const ys = directions.length === 2 ? xs : [0];
  const d1 = directions[0];
  const d2 = directions[1] ?? new Float32Array(centre.length);
  const n = xs.length * ys.length;
  // The grid row by row, then the centre itself.
  const alpha = new Float32Array(n + 1);
  const beta = new Float32Array(n + 1);
  ys.forEach((y, j) => xs.forEach((x, i) => ((alpha[j * xs.length + i] = x), (beta[j * xs.length + i] = y))));
  const start = performance.now();
  const losses = await evaluator.losses(centre, d1, d2, alpha, beta, batch, copiesPerCall);
  const seconds = (performance.now() - start) / 1000;
  const values = ys.map((_, j) => Array.from(losses.subarray(j * xs.length, (j + 1) * xs.length)));
  const middle = (points - 1) / 2;
  const centred = points % 2 === 1 && Math.abs(xs[middle]!) < 1e-12;
  return { xs, ys, values, centre: losses[n]!, ...(centred && { curvature: centreCurvature(values, xs[1]! - xs[0]!) }), evaluated: n + 1, seconds };
}
