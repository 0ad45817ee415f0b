/** Result of timing one operation: calls made and the mean and median time per call. */
export interface Timing {
  readonly calls: number;
  readonly meanMs: number;
  readonly medianMs: number;
  /**
   * Median CPU time of the process per call (user + system): the work done, whatever
   * else the machine runs. With one onnxruntime thread (--threads 1) it is the call's
   * own work; with more, spinning pool threads add to it.
   */
  readonly cpuMedianMs: number;
}

export interface TimingOptions {
  readonly seconds?: number;
  readonly warmup?: number;
  readonly minCalls?: number;
}

/**
 * Times `fn` after `warmup` calls, for at least `seconds` and `minCalls` calls. The
 * median is reported beside the mean because shared machines have outliers.
 */
export async function timeIt(fn: () => unknown, options: TimingOptions = {}): Promise<Timing> {
  return (await timeInterleaved([fn], options))[0]!;
}

/**
 * Times several operations in alternation, in blocks of `blockMs` per operation, for at
 * least `seconds` in all, so that a ratio between them is taken under the same machine
 * conditions (timed one after the other, a ratio picks up whatever load or clock change
 * happened in between). Blocks rather than single calls because onnxruntime's thread
 * pools spin for a while after each run: one session's spinning threads would slow the
 * next session down. The first call of each block is not counted.
 */
export async function timeInterleaved(fns: readonly (() => unknown)[], { seconds = 2, warmup = 5, minCalls = 5, blockMs = 200 }: TimingOptions & { readonly blockMs?: number } = {}): Promise<Timing[]> {
  for (const fn of fns) for (let i = 0; i < warmup; i++) await fn();
  const samples: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  const start = performance.now();
  while (samples.some((s) => s.length < minCalls) || performance.now() - start < seconds * 1000) {
    for (const [i, fn] of fns.entries()) {
      await fn();
      const blockStart = performance.now();
      do {
        const [t, c] = [performance.now(), process.cpuUsage()];
        await fn();
        samples[i]!.push(performance.now() - t);
        const used = process.cpuUsage(c);
        cpu[i]!.push((used.user + used.system) / 1000);
      } while (performance.now() - blockStart < blockMs);
    }
  }
  const median = (s: readonly number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
  return samples.map((s, i) => ({ calls: s.length, meanMs: s.reduce((a, b) => a + b, 0) / s.length, medianMs: median(s), cpuMedianMs: median(cpu[i]!) }));
}
