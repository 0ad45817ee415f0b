import { fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import { checkChoice, checkVector, finite, nonNegative, positive, positiveInteger } from './check.js';
import type { GaussianProcess } from './gaussian-process.js';

/** One optimiser step: the next point from the current one and a gradient (e.g. Adam's update, then a clip to the domain). */
export type SurrogateStep = (x: Float64Array, gradient: Float64Array, step: number) => Float64Array;

export interface VirtualUpdateOptions {
  /** The optimiser: ZoRD's code uses optax's Adam, its state carried across outer steps. */
  readonly step: SurrogateStep;
  /** Keep stepping while the gradient uncertainty is below this (default 0.35, ZoRD's code). */
  readonly threshold?: number;
  /** At most this many steps (default 10, ZoRD's code). */
  readonly maxSteps?: number;
  /** How GaussianProcess.gradientUncertainty reduces over inputs (default 'mean'). */
  readonly reduce?: 'mean' | 'max';
}

export interface VirtualUpdateResult {
  /** Where the virtual steps ended: the point to query next. */
  readonly point: Float64Array;
  /** Steps taken (≥ 1). */
  readonly steps: number;
  /** The uncertainty at each point visited, the start included (steps + 1 entries, or steps when maxSteps stopped it). */
  readonly uncertainties: readonly number[];
}

/**
 * ZoRD's virtual updates (Shu et al., ICLR 2023, §4.2; code `zord_opt`): gradient steps along the
 * GP's posterior-mean gradient ∇μ that spend no queries, taken while the surrogate is trusted:
 * the first step always, then another while the gradient uncertainty at the current point is
 * below `threshold`, at most `maxSteps` in all. The caller queries f once at the returned point.
 *
 * The uncertainty is GaussianProcess.gradientUncertainty: the posterior/prior variance ratio of
 * ∂f/∂x_i averaged over all inputs. ZoRD's code reads input 0 only, of a separate RBF GP with
 * lengthscale 1 and noise 0.01; input 0 is one draw of what the mean averages, and the ratio is
 * the code's quantity under that GP, so the code's threshold 0.35 carries over. 'max' is the
 * cautious alternative; in high dimension it almost always stops after the first step.
 * The surrogate stays fixed during the steps (the code refits on the 150 queries nearest to the
 * moving point; with ≤ 150 queries that is the same GP).
 */
export function virtualUpdates(gp: GaussianProcess, start: Float64Array, options: VirtualUpdateOptions): VirtualUpdateResult {
  if (typeof options?.step !== 'function') throw new TypeError('options.step must be a function (x, gradient, step) => next point');
  const threshold = nonNegative('threshold', options.threshold ?? 0.35);
  const maxSteps = positiveInteger('maxSteps', options.maxSteps ?? 10);
  const reduce = checkChoice('reduce', options.reduce ?? 'mean', ['mean', 'max']);
  let x: Float64Array = checkVector('start', start, gp.d).slice();
  const uncertainties: number[] = [];
  let steps = 0;
  while (steps < maxSteps) {
    const uncertainty = gp.gradientUncertainty(x, reduce);
    uncertainties.push(uncertainty);
    if (steps > 0 && !(uncertainty < threshold)) break;
    x = checkVector('the step function\'s result', options.step(x, gp.meanGradient(x), steps), gp.d);
    steps++;
  }
  return { point: x, steps, uncertainties };
}

export interface ActiveQueryOptions {
  /** Candidates drawn (default 100, FZooS App. 12). */
  readonly candidates?: number;
  /** Candidates are x + δ, δ ~ U[−radius, radius]^d (default 0.01, FZooS App. 12). */
  readonly radius?: number;
  /** How many to return (default 5, FZooS App. 12). */
  readonly count?: number;
  readonly seed: Seed;
  /** How GaussianProcess.gradientUncertainty reduces over inputs (default 'mean'). */
  readonly reduce?: 'mean' | 'max';
  /** Clip candidates into [lower, upper] on every input before scoring them. */
  readonly lower?: number;
  readonly upper?: number;
}

export interface ActiveQuery {
  readonly x: Float64Array;
  readonly uncertainty: number;
}

/**
 * Active query selection of FZooS (Shu et al. 2023, §4.2 and App. 12): draw candidates uniformly
 * in a box around `center` and return the `count` with the largest gradient uncertainty (largest
 * first; ties keep the earlier candidate), so the next queries most reduce the surrogate's
 * gradient error. Candidates come from the project's noise stream `seed`, so a seed replays them.
 * The code scores candidates with an RBF GP of the fitted lengthscale and reads input 0 only;
 * here the fitted GP itself scores them over all inputs.
 */
export function selectActiveQueries(gp: GaussianProcess, center: Float64Array, options: ActiveQueryOptions): ActiveQuery[] {
  const d = gp.d;
  checkVector('center', center, d);
  const candidates = positiveInteger('candidates', options.candidates ?? 100);
  const radius = positive('radius', options.radius ?? 0.01);
  const count = positiveInteger('count', options.count ?? 5);
  if (count > candidates) throw new RangeError(`count must not exceed candidates (${candidates}), got ${count}`);
  const reduce = checkChoice('reduce', options.reduce ?? 'mean', ['mean', 'max']);
  const lower = options.lower === undefined ? -Infinity : finite('lower', options.lower);
  const upper = options.upper === undefined ? Infinity : finite('upper', options.upper);
  if (!(lower <= upper)) throw new RangeError(`lower must not exceed upper, got [${lower}, ${upper}]`);
  const u = new Float64Array(candidates * d);
  fillUniform(u, options.seed);
  const scored: ActiveQuery[] = [];
  for (let c = 0; c < candidates; c++) {
    const x = center.map((v, i) => Math.min(upper, Math.max(lower, v + radius * (2 * u[c * d + i]! - 1))));
    scored.push({ x, uncertainty: gp.gradientUncertainty(x, reduce) });
  }
  return scored
    .map((q, index) => ({ q, index }))
    .sort((a, b) => b.q.uncertainty - a.q.uncertainty || a.index - b.index)
    .slice(0, count)
    .map(({ q }) => q);
}
