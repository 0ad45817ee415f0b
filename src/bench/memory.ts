import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface MemoryBenchOptions {
  readonly dataset?: string;
  readonly model?: string;
  readonly steps?: number;
  readonly batch?: number;
}

/** The training configurations measured: spsa at both ends of its memory/speed range, then the rest. */
const RUNS: readonly (readonly string[])[] = [
  ['spsa'],
  ['spsa', '--directions-per-call', '1'],
  ['spsa', '--directions-per-call', '16'],
  ['fg-a'],
  ['fg-w'],
  ['bp'],
];

export interface MemoryBenchResult {
  readonly dataset: string;
  readonly model: string;
  /** Peak resident set of `forwardprop eval` on the same model and data. */
  readonly evalPeakMb: number;
  readonly train: readonly { readonly method: string; readonly peakMb: number; readonly ratio: number }[];
}

function cli(args: readonly string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`forwardprop ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
    });
  });
}

/**
 * Peak memory (max RSS, each in its own process) of training with each method against
 * evaluation alone on the same model and data: what a forward-only trainer costs
 * beyond inference.
 */
export async function benchMemory(options: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const { dataset = 'mnist', model = 'mlp:784-256-256-10', steps = 50, batch = 64 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'fp-memory-'));
  try {
    const train = [];
    for (const [i, [method, ...flags]] of RUNS.entries()) {
      const summary = await cli(['train', '--dataset', dataset, '--model', model, '--method', method!, ...flags, '--steps', String(steps), '--batch-size', String(batch), '--out', join(dir, String(i)), '--json']);
      train.push({ method: [method, ...flags].join(' '), peakMb: summary.peak_rss_mb as number });
    }
    const evaluation = await cli(['eval', join(dir, '0'), '--json']);
    const evalPeakMb = evaluation.peak_rss_mb as number;
    return { dataset, model, evalPeakMb, train: train.map((t) => ({ ...t, ratio: t.peakMb / evalPeakMb })) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
