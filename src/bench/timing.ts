/** Result of timing one operation: calls made and the mean and median time per call. */
export interface Timing {
  readonly calls: number;
  readonly meanMs: number;
  readonly medianMs: number;
  /**
   * CPU time of this process per call (all its threads), the median over blocks: on a
   * machine with more runnable threads than cores, wall time also counts the waits for a
   * core, which longer calls suffer more of; CPU time does not.
   */
  readonly cpuMs: number;
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
      const cpuStart = process.cpuUsage();
      let calls = 0;
      do {
        const t = performance.now();
        await fn();
        samples[i]!.push(performance.now() - t);
        calls++;
      } while (performance.now() - blockStart < blockMs);
      const used = process.cpuUsage(cpuStart);
      cpu[i]!.push((used.user + used.system) / 1000 / calls);
    }
  }
  return samples.map((s, i) => ({ calls: s.length, meanMs: s.reduce((a, b) => a + b, 0) / s.length, medianMs: median(s), cpuMs: median(cpu[i]!) }));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
