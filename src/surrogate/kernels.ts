/**
 * Stationary kernels k(x, x') = σ_f² κ(s) of the scaled squared distance
 * s = Σ_i (x_i − x'_i)² / l_i² (one lengthscale l shared by all inputs, or one per input: ARD).
 * Every derivative the Gaussian process needs follows from κ and its slope κ'(s) = dκ/ds:
 *   ∂k/∂x_i                 = σ_f² κ'(s) · 2(x_i − x'_i)/l_i²
 *   ∂²k/∂x_i∂x'_j at x = x' = −2 σ_f² κ'(0) δ_ij / l_i²            (the prior gradient variance)
 *   ∂k/∂log l_i             = σ_f² κ'(s) · (−2 (x_i − x'_i)²/l_i²)
 * Rasmussen & Williams, Gaussian Processes for Machine Learning (2006), §4.2 (eqs. 4.9, 4.17).
 */

export type KernelName = 'matern52' | 'rbf';

export const KERNEL_NAMES: readonly KernelName[] = ['matern52', 'rbf'];

export interface KernelProfile {
  /** κ(s), with κ(0) = 1. */
  value(s: number): number;
  /** κ'(s) = dκ/ds. */
  slope(s: number): number;
  /** −2κ'(0): the prior variance of ∂f/∂x_i is σ_f² · this / l_i². */
  readonly curvature: number;
}

const SQRT5 = Math.sqrt(5);

/** Matérn ν = 5/2: κ = (1 + √5 r + 5r²/3) e^{−√5 r}, r = √s; κ'(s) = −(5/6)(1 + √5 r) e^{−√5 r}. */
const matern52: KernelProfile = {
  value: (s) => {
    const r = Math.sqrt(s);
    return (1 + SQRT5 * r + (5 / 3) * s) * Math.exp(-SQRT5 * r);
  },
  slope: (s) => {
    const r = Math.sqrt(s);
    return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
  },
  curvature: 5 / 3,
};

/** Squared exponential: κ = e^{−s/2}; κ'(s) = −κ/2. */
const rbf: KernelProfile = {
  value: (s) => Math.exp(-s / 2),
  slope: (s) => -Math.exp(-s / 2) / 2,
  curvature: 1,
};

const PROFILES: Readonly<Record<KernelName, KernelProfile>> = Object.freeze({ matern52, rbf });

/** The profile of a named kernel; throws RangeError listing the valid names. */
export function kernelProfile(name: KernelName): KernelProfile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!profile) throw new RangeError(`kernel must be one of ${KERNEL_NAMES.map((k) => `'${k}'`).join(', ')}, got ${String(name)}`);
  return profile;
}

/** s = Σ_i (a_i − b_i)² / l_i² between a[aOffset..] and b[bOffset..] (inverseSquaredLengthscales has length d). */
export function scaledSquaredDistance(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  inverseSquaredLengthscales: Float64Array,
): number {
  let s = 0;
  for (let i = 0; i < inverseSquaredLengthscales.length; i++) {
    const diff = a[aOffset + i]! - b[bOffset + i]!;
    s += diff * diff * inverseSquaredLengthscales[i]!;
  }
  return s;
}
