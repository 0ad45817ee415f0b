/** Result of timing one operation: calls made and the mean and median time per call. */
export interface Timing {
  readonly calls: number;
  readonly meanMs: number;
  readonly medianMs: number;
}

/**
 * Times `fn` after `warmup` calls, for at least `seconds` and `minCalls` calls. The
 * median is reported beside the mean because shared machines have outliers.
 */
export async function timeIt(fn: () => unknown, { seconds = 2, warmup = 5, minCalls = 5 } = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minCalls || performance.now() - start < seconds * 1000) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const meanMs = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { calls: samples.length, meanMs, medianMs: sorted[Math.floor(sorted.length / 2)]! };
}
