import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface MemoryBenchOptions {
  readonly dataset?: string;
  /** Models to measure (default: the MLPs 784-W-W-10 for `widths`). */
  readonly models?: readonly string[];
  /** Hidden widths W of the default MLPs (default 256, 1024, 4096, 8192: 0.27M to 73.6M parameters). */
  readonly widths?: readonly number[];
  readonly steps?: number;
  readonly batch?: number;
  /** The training runs (method, then its flags; default MEMORY_RUNS); the first one's checkpoint is evaluated. */
  readonly runs?: readonly (readonly string[])[];
}

/**
 * The training configurations measured. The first is the reference's run (its checkpoint
 * holds θ alone); the rest span spsa's memory plan and the graph methods.
 */
export const MEMORY_RUNS: readonly (readonly string[])[] = [
  ['spsa', '--directions', '1', '--directions-per-call', '1', '--optimizer', 'sgd'],
  ['spsa', '--directions', '1', '--directions-per-call', '1', '--optimizer', 'adam'],
  ['spsa'],
  ['spsa', '--optimizer', 'adam'],
  ['spsa', '--copy-memory', '1000000'],
  ['fg-a', '--optimizer', 'sgd'],
  ['bp', '--optimizer', 'sgd'],
];

export interface MemoryBenchModel {
  readonly model: string;
  readonly parameters: number;
  /** Peak resident set of `forwardprop eval` on the same model and data (a checkpoint of θ alone). */
  readonly evalPeakMb: number;
  readonly train: readonly { readonly method: string; readonly peakMb: number; readonly ratio: number }[];
}

export interface MemoryBenchResult {
  readonly dataset: string;
  readonly steps: number;
  readonly batch: number;
  readonly models: readonly MemoryBenchModel[];
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
 * Peak memory (max RSS, each in its own process) of training with each configuration
 * against evaluation alone on the same model and data: what a forward-only trainer costs
 * beyond inference. Each training run takes `steps` steps, then evaluates and writes its
 * checkpoint, as a run does.
 */
export async function benchMemory(options: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const { dataset = 'mnist', widths = [256, 1024, 4096, 8192], steps = 3, batch = 64, runs = MEMORY_RUNS } = options;
  const models = options.models ?? widths.map((w) => `mlp:784-${w}-${w}-10`);
  const dir = await mkdtemp(join(tmpdir(), 'fp-memory-'));
  try {
    const results: MemoryBenchModel[] = [];
    for (const [m, model] of models.entries()) {
      const train = [];
      let parameters = 0;
      for (const [i, [method, ...flags]] of runs.entries()) {
        const out = join(dir, `${m}-${i}`);
        const summary = await cli(['train', '--dataset', dataset, '--model', model, '--method', method!, ...flags, '--steps', String(steps), '--batch-size', String(batch), '--out', out, '--json']);
        parameters = summary.parameters as number;
        train.push({ method: [method, ...flags].join(' '), peakMb: summary.peak_rss_mb as number });
      }
      const evaluation = await cli(['eval', join(dir, `${m}-0`), '--json']);
      const evalPeakMb = evaluation.peak_rss_mb as number;
      results.push({ model, parameters, evalPeakMb, train: train.map((t) => ({ ...t, ratio: t.peakMb / evalPeakMb })) });
    }
    return { dataset, steps, batch, models: results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
