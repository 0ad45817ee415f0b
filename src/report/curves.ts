/**
 * Summaries of learning curves that experiments and the report share: when a curve
 * reaches a target, and power-law fits of one quantity against another.
 */

/** A point of a curve: x (steps, queries, seconds) and the value there (an accuracy). */
export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

/**
 * When a curve reaches `target` (y ≥ target), by the two definitions the MGD papers' code
 * uses: `firstHit`, the first x at or above it (their CPU experiments); `staysAbove`, the
 * first x after the last point below it (their GPU experiments report that last point),
 * undefined when the curve ends below the target. The curve's x must increase.
 */
export function timeToTarget(points: readonly CurvePoint[], target: number): { readonly firstHit?: number; readonly staysAbove?: number } {
  const first = points.find((p) => p.y >= target);
  if (first === undefined) return {};
  let since = points.length;
  while (since > 0 && points[since - 1]!.y >= target) since--;
  return { firstHit: first.x, ...(since < points.length && { staysAbove: points[since]!.x }) };
}

/** The median, NaN entries left out (NaN when none is left); Infinity (never reached) counts as the largest value. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Least-squares fit of log y = intercept + slope·log x over points with x, y > 0:
 * y ∝ x^slope. A slope of 1 is linear growth, below 1 slower, below 0 a decrease.
 * Returns NaN slope for fewer than two usable points; r² is the fit's share of variance.
 */
export function powerLawFit(points: readonly CurvePoint[]): { readonly slope: number; readonly intercept: number; readonly r2: number; readonly points: number } {
  const usable = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = usable.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN, points: n };
  const lx = usable.map((p) => Math.log(p.x));
  const ly = usable.map((p) => Math.log(p.y));
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, points: n };
}
