import { type Seed, deriveSeed } from '../rng/stream.js';
import { checkVector, nonNegative, positive, positiveInteger } from './check.js';
import { sampleDirichlet } from './dirichlet.js';

/** A benchmark objective on the box [lower, upper]^d with its analytic gradient and known minimum. */
export interface TestFunction {
  readonly name: string;
  readonly dimension: number;
  readonly lower: number;
  readonly upper: number;
  /** A global minimiser inside the box, and f there. */
  readonly minimizer: Float64Array;
  readonly minimum: number;
  value(x: Float64Array): number;
  gradient(x: Float64Array, out?: Float64Array): Float64Array;
}

export interface AckleyOptions {
  /** Defaults a = 20, b = 0.2, c = 2π (the standard form); ZoRD's code uses c = π. */
  readonly a?: number;
  readonly b?: number;
  readonly c?: number;
}

/**
 * Ackley: f(x) = −a exp(−b √(Σx_i²/d)) − exp(Σ cos(c x_i)/d) + a + e, minimum 0 at x = 0
 * (Ackley 1987; the form of Surjanovic & Bingham's Virtual Library of Simulation Experiments).
 * Box [−32, 32]^d as ZoRD's code (which maps its search box [0, 10]^d onto it). The gradient at
 * x = 0, where f is not differentiable, is returned as 0.
 */
export function ackley(dimension: number, options: AckleyOptions = {}): TestFunction {
  const d = positiveInteger('dimension', dimension);
  const a = positive('a', options.a ?? 20);
  const b = positive('b', options.b ?? 0.2);
  const c = positive('c', options.c ?? 2 * Math.PI);
  const parts = (x: Float64Array): { r: number; m: number } => {
    checkVector('x', x, d);
    let squares = 0;
    let cosines = 0;
    for (const v of x) {
      squares += v * v;
      cosines += Math.cos(c * v);
    }
    return { r: Math.sqrt(squares / d), m: cosines / d };
  };
  return {
    name: 'ackley',
    dimension: d,
    lower: -32,
    upper: 32,
    minimizer: new Float64Array(d),
    minimum: 0,
    value: (x) => {
      const { r, m } = parts(x);
      return -a * Math.exp(-b * r) - Math.exp(m) + a + Math.E;
    },
    gradient: (x, out = new Float64Array(d)) => {
      const { r, m } = parts(x);
      // d/dx_i: a b e^{−b r} x_i/(d r) + e^{m} c sin(c x_i)/d
      const radial = r > 0 ? (a * b * Math.exp(-b * r)) / (d * r) : 0;
      const cosine = (Math.exp(m) * c) / d;
      for (let i = 0; i < d; i++) out[i] = radial * x[i]! + cosine * Math.sin(c * x[i]!);
      return out;
    },
  };
}

/**
 * Levy: with w_i = 1 + (x_i − 1)/4,
 * f(x) = sin²(πw_1) + Σ_{i<d} (w_i − 1)²[1 + 10 sin²(πw_i + 1)] + (w_d − 1)²[1 + sin²(2πw_d)],
 * minimum 0 at x = 1 (Surjanovic & Bingham's standard form; ZoRD's and FZooS's code leave the
 * i = 1 term out of the sum). Box [−10, 10]^d as ZoRD's code.
 */
export function levy(dimension: number): TestFunction {
  const d = positiveInteger('dimension', dimension);
  const pi = Math.PI;
  return {
    name: 'levy',
    dimension: d,
    lower: -10,
    upper: 10,
    minimizer: new Float64Array(d).fill(1),
    minimum: 0,
    value: (x) => {
      checkVector('x', x, d);
      const w = x.map((v) => 1 + (v - 1) / 4);
      let f = Math.sin(pi * w[0]!) ** 2;
      for (let i = 0; i < d - 1; i++) f += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(pi * w[i]! + 1) ** 2);
      return f + (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * pi * w[d - 1]!) ** 2);
    },
    gradient: (x, out = new Float64Array(d)) => {
      checkVector('x', x, d);
      const w = x.map((v) => 1 + (v - 1) / 4);
      out.fill(0);
      // Derivatives in w, times dw/dx = 1/4 at the end.
      out[0] = 2 * pi * Math.sin(pi * w[0]!) * Math.cos(pi * w[0]!);
      for (let i = 0; i < d - 1; i++) {
        const s = Math.sin(pi * w[i]! + 1);
        out[i] += 2 * (w[i]! - 1) * (1 + 10 * s * s) + (w[i]! - 1) ** 2 * 20 * pi * s * Math.cos(pi * w[i]! + 1);
      }
      const last = w[d - 1]!;
      const s = Math.sin(2 * pi * last);
      out[d - 1] += 2 * (last - 1) * (1 + s * s) + (last - 1) ** 2 * 4 * pi * s * Math.cos(2 * pi * last);
      for (let i = 0; i < d; i++) out[i] /= 4;
      return out;
    },
  };
}

export interface FederatedQuadraticOptions {
  readonly dimension: number;
  /** N (default 5). */
  readonly clients?: number;
  /** C ≥ 0: how far the clients' coefficients spread around the global ones (paper: 0.5, 5, 50). */
  readonly heterogeneity: number;
  readonly seed: Seed;
}

export interface FederatedQuadratic {
  /** f_1..f_N. A client with a negative curvature coefficient has its minimiser on the box's boundary; minimizer/minimum then describe the box minimum. */
  readonly clients: readonly TestFunction[];
  /** F = (1/N) Σ_i f_i = (1/10d)(Σ_j x_j² + x_j + 1), whatever C and the draw. */
  readonly global: TestFunction;
  /** a_ij and b_ij, row-major N×d (client i, input j). */
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/**
 * FZooS's heterogeneous federated quadratic (Shu et al. 2023, App. 12.1):
 *   f_i(x) = (1/10d)(Σ_j [(1 + C(a_ij − 1/N)) x_j² + (1 + C(b_ij − 1/N)) x_j] + 1),  x ∈ [−10, 10]^d,
 * where for each input j, (a_1j..a_Nj) and (b_1j..b_Nj) are independent Dirichlet(1/N · 1_N)
 * draws, so Σ_i a_ij = Σ_i b_ij = 1 and the average F does not depend on C (FZooS's code maps
 * inputs from [0, 1]^d onto the box; here f takes the box coordinates directly). The draws for
 * input j come from streams deriveSeed(seed, 0, j) (a) and deriveSeed(seed, 1, j) (b).
 */
export function federatedQuadratic(options: FederatedQuadraticOptions): FederatedQuadratic {
  const d = positiveInteger('dimension', options.dimension);
  const n = positiveInteger('clients', options.clients ?? 5);
  const spread = nonNegative('heterogeneity', options.heterogeneity);
  const a = new Float64Array(n * d);
  const b = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const aj = sampleDirichlet(n, 1 / n, deriveSeed(options.seed, 0, j));
    const bj = sampleDirichlet(n, 1 / n, deriveSeed(options.seed, 1, j));
    for (let i = 0; i < n; i++) {
      a[i * d + j] = aj[i]!;
      b[i * d + j] = bj[i]!;
    }
  }
  const quadratic = (name: string, p: Float64Array, q: Float64Array) => separableQuadratic(name, d, p, q);
  const clients = Array.from({ length: n }, (_, i) =>
    quadratic(
      `federated-quadratic/${i}`,
      Float64Array.from({ length: d }, (_, j) => 1 + spread * (a[i * d + j]! - 1 / n)),
      Float64Array.from({ length: d }, (_, j) => 1 + spread * (b[i * d + j]! - 1 / n)),
    ),
  );
  return { clients, global: quadratic('federated-quadratic/global', new Float64Array(d).fill(1), new Float64Array(d).fill(1)), a, b };
}

/** f(x) = (1/10d)(Σ_j p_j x_j² + q_j x_j + 1) on [−10, 10]^d, with its box minimum. */
function separableQuadratic(name: string, d: number, p: Float64Array, q: Float64Array): TestFunction {
  const lower = -10;
  const upper = 10;
  const scale = 1 / (10 * d);
  const term = (j: number, v: number): number => p[j]! * v * v + q[j]! * v;
  // Per input, the box minimum is at the stationary point (when p_j > 0 and it is inside) or an end.
  const minimizer = Float64Array.from({ length: d }, (_, j) => {
    const stationary = p[j]! > 0 ? -q[j]! / (2 * p[j]!) : NaN;
    const options = [lower, upper, ...(stationary >= lower && stationary <= upper ? [stationary] : [])];
    return options.reduce((best, v) => (term(j, v) < term(j, best) ? v : best));
  });
  const value = (x: Float64Array): number => {
    checkVector('x', x, d);
    let s = 1;
    for (let j = 0; j < d; j++) s += term(j, x[j]!);
    return scale * s;
  };
  return {
    name,
    dimension: d,
    lower,
    upper,
    minimizer,
    minimum: value(minimizer),
    value,
    gradient: (x, out = new Float64Array(d)) => {
      checkVector('x', x, d);
      for (let j = 0; j < d; j++) out[j] = scale * (2 * p[j]! * x[j]! + q[j]!);
      return out;
    },
  };
}
