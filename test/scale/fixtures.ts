import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend } from '../../src/engine/runtime/backend.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE } from '../../src/train/trainer.js';
import { natsConnect, poolEngine, runData } from '../../src/scale/nats-node.js';
import { type JoinedWorker, joinRun } from '../../src/scale/nats-worker.js';
import { testRandom } from '../helpers.js';

/** A classification table of `rows` rows, 8 features and 3 classes (separable enough to learn), written to a temporary CSV. */
export async function classificationCsv(rows = 120, seed = 1): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'forwardprop-scale-'));
  const random = testRandom(seed);
  const lines = [['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const label = i % 3;
    const features = Array.from({ length: 8 }, (_, j) => (random() - 0.5 + (j % 3 === label ? 1 : 0)).toFixed(4));
    lines.push([...features, `c${label}`].join(','));
  }
  const path = join(dir, 'table.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** spsa on the table: small enough for seconds, with several engine calls a step. */
export function spsaConfig(csv: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, dataset: `csv:${csv}`, model: 'mlp:8-16-3', method: 'spsa', options: { directions: 8, directionsPerCall: 2 }, epochs: 2, batchSize: 16, optimizer: 'sgd', lr: 0.05, schedule: 'cosine', evalBatchSize: 200, ...overrides };
}

/** θ of a run directory's checkpoint, as bytes in hex (bit-exact comparisons). */
export async function checkpointBits(dir: string): Promise<string> {
  const { params } = await loadCheckpoint(join(dir, CHECKPOINT_FILE));
  return Buffer.from(params.buffer, params.byteOffset, params.byteLength).toString('hex');
}

/** An in-process worker of `run` on its own connection, with one thread. */
export async function startWorker(url: string, run: string, name: string, options: { readonly limit?: number; readonly token?: string; readonly log?: (line: string) => void } = {}): Promise<JoinedWorker> {
  const nc = await natsConnect({ servers: url, ...(options.token && { token: options.token }) });
  return joinRun(nc, run, { name, runtime: backend().name, engine: poolEngine(1), data: runData, ...(options.limit && { limit: options.limit }), ...(options.log && { log: options.log }) }, { every: 50 });
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * `forwardprop <args>` in a child process (with `conditions: ['browser']`, on onnxruntime-web);
 * `ready` resolves when `marker` appears on stdout or stderr, and rejects with the output if
 * the process ends first.
 */
export function cli(args: readonly string[], marker: string, options: { readonly conditions?: readonly string[] } = {}): { child: ChildProcess; ready: Promise<void>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> } {
  const child = spawn(process.execPath, [...(options.conditions ?? []).map((c) => `--conditions=${c}`), CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let found: () => void;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  const ready = new Promise<void>((resolve, reject) => {
    found = resolve;
    void exit.then(({ code, signal }) => reject(new Error(`forwardprop ${args[0]} ended (${signal ?? code}) before '${marker}':\n${output}`)));
  });
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes(marker)) found();
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  return { child, ready, exit };
}
