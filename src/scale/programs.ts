import type { AnyDataset } from '../data/dataset.js';
import { lowerToBytes } from '../engine/onnx/lower.js';
import { surfaceProgram } from '../landscape/surface.js';
import type { Model } from '../nn/model.js';
import { copyProgram } from '../objectives/model-oracle.js';
import type { Objective } from '../objectives/objective.js';
import { type ParamShape, copyProgramKey } from './executor.js';

/** A program as it travels: its ONNX bytes and their SHA-256 (hex), which names it. */
export interface ProgramBytes {
  readonly hash: string;
  readonly bytes: Uint8Array;
}

/** SHA-256 of bytes as hex (WebCrypto: the same in Node and browsers). */
export async function sha256(bytes: Uint8Array | Float32Array): Promise<string> {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // WebCrypto refuses views of shared memory: those are copied first.
  const digest = await crypto.subtle.digest('SHA-256', (view.buffer instanceof ArrayBuffer ? view : view.slice()) as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a dataset's inputs and targets: a worker loading the run's data by name checks it got the same examples. */
export async function datasetHash(dataset: AnyDataset): Promise<string> {
  const targets = dataset.task === 'regression' ? dataset.targets : dataset.y;
  const parts = await Promise.all([sha256(dataset.x), sha256(new Uint8Array(targets.buffer, targets.byteOffset, targets.byteLength))]);
  return sha256(new TextEncoder().encode(`${dataset.size}:${dataset.inputShape.join('x')}:${parts.join(':')}`));
}

/**
 * The coordinator's side of the programs: a model's loss programs lowered once to the
 * bytes that `ModelLossOracle` and `SurfaceEvaluator` compile, so a worker running them
 * computes what this process would, and named by hash so that a worker fetches each once.
 * The model's hash covers θ's layout and the one-copy loss program: two runs share it only
 * when workers would compute the same losses for them.
 */
export class ProgramCatalog {
  readonly params: readonly ParamShape[];
  private readonly cache = new Map<string, Promise<ProgramBytes>>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
  ) {
    this.params = model.layout.entries.map((e) => ({ name: e.name, shape: [...e.shape] }));
  }

  /** The copy program for calls of `rows` copies (ModelLossOracle's). */
  copies(rows: number, slotted: boolean): Promise<ProgramBytes> {
    return this.lowered(`copies:${copyProgramKey(rows, slotted)}`, () => lowerToBytes(copyProgram(this.model, this.objective, rows, slotted)));
  }

  /** The landscape program for k points a call (SurfaceEvaluator's). */
  surface(k: number): Promise<ProgramBytes> {
    return this.lowered(`surface:${k}`, () => lowerToBytes(surfaceProgram(this.model, this.objective, k)));
  }

  /** SHA-256 of θ's layout and the one-copy loss program: the model's identity for workers. */
  async modelHash(): Promise<string> {
    const { hash } = await this.copies(1, false);
    return sha256(new TextEncoder().encode(JSON.stringify({ params: this.params, objective: this.objective.name, program: hash })));
  }

  private lowered(key: string, lower: () => Uint8Array): Promise<ProgramBytes> {
    let program = this.cache.get(key);
    if (program === undefined) {
      const bytes = lower();
      program = sha256(bytes).then((hash) => ({ hash, bytes }));
      this.cache.set(key, program);
    }
    return program;
  }
}
