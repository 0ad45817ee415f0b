/** Host statistics of estimates: per-example means and variances over queries. */

/** Mean of a float array. */
export function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Per example: the mean and (unbiased) variance of `values` over its rows (index −1: skipped); variance NaN with one row. */
export function perExample(values: ArrayLike<number>, example: Int32Array, batch: number): { mean: Float32Array; variance: Float32Array } {
  const count = new Float64Array(batch);
  const sum = new Float64Array(batch);
  const squares = new Float64Array(batch);
  for (let r = 0; r < example.length; r++) {
    const i = example[r]!;
    if (i < 0) continue;
    count[i]!++;
    sum[i]! += values[r]!;
    squares[i]! += values[r]! ** 2;
  }
  const mean = Float32Array.from(sum, (s, i) => s / count[i]!);
  const variance = Float32Array.from(sum, (s, i) => (count[i]! > 1 ? (squares[i]! - (s * s) / count[i]!) / (count[i]! - 1) : Number.NaN));
  return { mean, variance };
}

/** Per-example mean and variance over K rows of a [K, b] array (variance NaN-free: 0 when K = 1). */
export function columnStats(values: Float32Array, k: number): { mean: Float32Array; variance: Float32Array } {
  const b = values.length / k;
  const mean = new Float32Array(b);
  const variance = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    let s = 0;
    for (let r = 0; r < k; r++) s += values[r * b + i]!;
    const m = s / k;
    let v = 0;
    for (let r = 0; r < k; r++) v += (values[r * b + i]! - m) ** 2;
    mean[i] = m;
    variance[i] = k > 1 ? v / (k - 1) : 0;
  }
  return { mean, variance };
}

/** The angle between two vectors in degrees (NaN when either is zero): how far an estimate points from the gradient. */
export function angleDegrees(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors of lengths ${a.length} and ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return (Math.acos(Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)))) * 180) / Math.PI;
}
