/** A smooth objective: its value and gradient at x. May throw; a throwing trial point is treated as +∞. */
export type Objective = (x: Float64Array) => { readonly value: number; readonly gradient: Float64Array };

export interface BoxLbfgsOptions {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Default 100. */
  readonly maxIterations?: number;
  /** Curvature pairs kept (default 10, as scipy's L-BFGS-B). */
  readonly memory?: number;
  /** Stop when every projected-gradient entry is below this (default 1e-5, as scipy). */
  readonly gradientTolerance?: number;
  /** Stop when one step lowers f by less than this × max(|f|, 1) (default 2.2e-9, scipy's factr 1e7 × eps). */
  readonly relativeTolerance?: number;
}

export interface BoxLbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** True when a tolerance was met (not the iteration limit or a failed line search). */
  readonly converged: boolean;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 30;

/**
 * Minimises f over the box lower ≤ x ≤ upper with a projected L-BFGS (Nocedal & Wright 2006,
 * Algorithm 7.4, two-loop recursion): coordinates at a bound whose gradient pushes outwards are
 * held fixed, the quasi-Newton direction is taken over the others, and a backtracking Armijo
 * search runs along the projected path P(x + t p). Simpler than L-BFGS-B's generalised Cauchy
 * point (Byrd et al. 1995) and enough for a handful of log-hyperparameters. Falls back to the
 * projected steepest descent when the quasi-Newton step is not a descent direction.
 * Throws whatever f throws at the starting point.
 */
export function minimizeBoxLbfgs(f: Objective, x0: Float64Array, options: BoxLbfgsOptions): BoxLbfgsResult {
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 100;
  const memory = options.memory ?? 10;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const relativeTolerance = options.relativeTolerance ?? 2.2e-9;
  const project = (x: Float64Array): Float64Array => x.map((v, i) => Math.min(upper[i]!, Math.max(lower[i]!, v)));
  let x = project(x0);
  let { value, gradient } = f(x);
  let evaluations = 1;
  const pairs: { s: Float64Array; y: Float64Array; rho: number }[] = [];

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    // Projected gradient: zero where a bound blocks descent.
    const pg = gradient.map((g, i) => ((x[i]! <= lower[i]! && g > 0) || (x[i]! >= upper[i]! && g < 0) ? 0 : g));
    if (pg.every((g) => Math.abs(g) <= gradientTolerance)) return { x, value, iterations: iteration, evaluations, converged: true };
    let direction = twoLoop(pg, pairs).map((p, i) => (pg[i] === 0 ? 0 : -p));
    const step = lineSearch(f, x, value, gradient, direction, project, pairs.length === 0 ? Math.min(1, 1 / norm(pg)) : 1);
    let trial = step;
    if (!trial.accepted && pairs.length > 0) {
      // A stale curvature model: restart from steepest descent.
      pairs.length = 0;
      direction = pg.map((g) => -g);
      trial = lineSearch(f, x, value, gradient, direction, project, Math.min(1, 1 / norm(pg)));
    }
    evaluations += step.evaluations + (trial === step ? 0 : trial.evaluations);
    if (!trial.accepted) return { x, value, iterations: iteration, evaluations, converged: false };
    const s = trial.x.map((v, i) => v - x[i]!);
    const y = trial.gradient.map((g, i) => g - gradient[i]!);
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      pairs.push({ s, y, rho: 1 / sy });
      if (pairs.length > memory) pairs.shift();
    }
    const decrease = value - trial.value;
    x = trial.x;
    value = trial.value;
    gradient = trial.gradient;
    if (decrease <= relativeTolerance * Math.max(Math.abs(value), 1)) return { x, value, iterations: iteration + 1, evaluations, converged: true };
  }
  return { x, value, iterations: maxIterations, evaluations, converged: false };
}

/** H q by the two-loop recursion, H the L-BFGS inverse-Hessian approximation (γI initially). */
function twoLoop(q: Float64Array, pairs: readonly { s: Float64Array; y: Float64Array; rho: number }[]): Float64Array {
  const r = q.slice();
  const alphas = new Float64Array(pairs.length);
  for (let k = pairs.length - 1; k >= 0; k--) {
    const { s, y, rho } = pairs[k]!;
    alphas[k] = rho * dot(s, r);
    for (let i = 0; i < r.length; i++) r[i] -= alphas[k]! * y[i]!;
  }
  if (pairs.length > 0) {
    const { s, y } = pairs[pairs.length - 1]!;
    const gamma = dot(s, y) / dot(y, y);
    for (let i = 0; i < r.length; i++) r[i] *= gamma;
  }
  for (let k = 0; k < pairs.length; k++) {
    const { s, y, rho } = pairs[k]!;
    const beta = rho * dot(y, r);
    for (let i = 0; i < r.length; i++) r[i] += s[i]! * (alphas[k]! - beta);
  }
  return r;
}

function lineSearch(
  f: Objective,
  x: Float64Array,
  value: number,
  gradient: Float64Array,
  direction: Float64Array,
  project: (x: Float64Array) => Float64Array,
  initialStep: number,
): { accepted: boolean; x: Float64Array; value: number; gradient: Float64Array; evaluations: number } {
  let t = initialStep;
  let evaluations = 0;
  for (let k = 0; k < MAX_BACKTRACKS; k++, t /= 2) {
    const trial = project(x.map((v, i) => v + t * direction[i]!));
    const slope = dot(gradient, trial.map((v, i) => v - x[i]!));
    if (!(slope < 0)) break;
    evaluations++;
    let result: ReturnType<Objective>;
    try {
      result = f(trial);
    } catch {
      continue;
    }
    if (Number.isFinite(result.value) && result.gradient.every(Number.isFinite) && result.value <= value + ARMIJO * slope) {
      return { accepted: true, x: trial, value: result.value, gradient: result.gradient, evaluations };
    }
  }
  return { accepted: false, x, value, gradient, evaluations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
