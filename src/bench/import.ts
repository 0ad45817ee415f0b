import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { loadOnnx } from '../engine/onnx/load.js';
import { type CompileOptions, backend } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { ModelSession } from '../engine/runtime/onnxruntime.js';
import type { Estimator } from '../estimators/estimator.js';
import { createEstimator } from '../estimators/registry.js';
import { onnxModel } from '../nn/onnx-model.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { fillGaussian } from '../rng/noise.js';
import { forwardPass } from './estimators.js';
import { timeInterleaved } from './timing.js';

export interface ImportBenchOptions {
  /** The ONNX file (default: the foreign ViT among the test fixtures). */
  readonly file?: string;
  readonly batch?: number;
  readonly seconds?: number;
  /** Cold imports timed against cold session creations (each after releasing every session). */
  readonly trials?: number;
  readonly threads?: number;
}

export interface ImportBenchResult {
  readonly file: string;
  readonly parameters: number;
  readonly batch: number;
  /** Median cold times: read, import, lower and create a session, against onnxruntime creating a session for the file. */
  readonly load: { readonly importMs: number; readonly fileMs: number; readonly ratio: number };
  /** One forward pass (logits), the imported graph against the file itself, timed in alternation: wall time and the process's CPU time (medians). */
  readonly forward: { readonly importedMs: number; readonly fileMs: number; readonly ratio: number; readonly cpuRatio: number };
  /** One fg-a step against one forward pass with the loss, timed in alternation: wall time and the process's CPU time (medians). */
  readonly fgA: { readonly stepMs: number; readonly forwardMs: number; readonly ratio: number; readonly cpuRatio: number };
  /** One backprop step against the same forward pass, timed in the same alternation. */
  readonly bp: { readonly stepMs: number; readonly ratio: number; readonly cpuRatio: number };
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly runtime: string; readonly threads: number | 'default' };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * What importing costs: a cold import against onnxruntime loading the file, a forward
 * pass of the imported graph against the file run directly (both on the same
 * onnxruntime), and an fg-a step and a backprop step against a forward pass of the import.
 */
export async function benchImport(options: ImportBenchOptions = {}): Promise<ImportBenchResult> {
  const { file = 'test/fixtures/models/vit-tiny.onnx', batch = 256, seconds = 3, trials = 5, threads } = options;
  const compileOptions: CompileOptions = threads !== undefined ? { threads } : {};
  const graph = await loadOnnx(file);
  const model = onnxModel(graph);
  const theta = model.init(0);
  const x = HostTensor.zeros('float32', [batch, ...model.inputShape]);
  fillGaussian(x.data, 1);
  const y = new HostTensor('int64', [batch], BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % model.outputs)));

  const [importTimes, fileTimes]: [number[], number[]] = [[], []];
  const bytes = await readFile(file);
  // Each trial loads cold: its program or session is released before the next one is made.
  for (let t = 0; t < trials; t++) {
    let start = performance.now();
    const imported = onnxModel(await loadOnnx(file));
    const xin = imported.inputTensor();
    const params = imported.paramInputs();
    const cold = await compile({ inputs: [xin, ...params], outputs: [imported.forward(xin, params).out] }, compileOptions);
    importTimes.push(performance.now() - start);
    await cold.dispose();
    start = performance.now();
    const file_ = await ModelSession.create(new Uint8Array(bytes), compileOptions);
    fileTimes.push(performance.now() - start);
    await file_.dispose();
  }

  const xin = model.inputTensor();
  const params = model.paramInputs();
  const program = await compile({ inputs: [xin, ...params], outputs: [model.forward(xin, params).out] }, compileOptions);
  const feeds: Record<string, HostTensor | Float32Array> = { x };
  for (const e of model.layout.entries) feeds[e.name] = model.layout.view(theta, e.name);
  const session = await ModelSession.create(new Uint8Array(bytes), compileOptions);
  const [importedRun, fileRun] = await timeInterleaved([() => program.run(feeds), () => session.run({ [graph.input.name]: x })], { seconds });

  const objective = crossEntropyObjective();
  const forward = await forwardPass(model, objective, theta, { x, y }, 1, threads ? { threads } : {});
  // Backprop beside fg-a: an fg-a step is a backward pass (its local maps) plus tangent passes.
  const fga = createEstimator('fg-a', { model, objective, seed: 0, compile: compileOptions });
  const bp = createEstimator('bp', { model, objective, seed: 0, compile: compileOptions });
  let step = 0;
  const stepOf = (estimator: Estimator) => () => estimator.estimate(estimator.init(theta), { params: theta, batch: { x, y }, step: step++ });
  const [fgaStep, bpStep, forwardRun] = await timeInterleaved([stepOf(fga), stepOf(bp), forward], { seconds });
  await Promise.all([fga.dispose(), bp.dispose(), program.dispose(), session.dispose()]);

  return {
    file,
    parameters: model.layout.size,
    batch,
    load: { importMs: median(importTimes), fileMs: median(fileTimes), ratio: median(importTimes) / median(fileTimes) },
    forward: { importedMs: importedRun!.medianMs, fileMs: fileRun!.medianMs, ratio: importedRun!.medianMs / fileRun!.medianMs, cpuRatio: importedRun!.cpuMs / fileRun!.cpuMs },
    fgA: { stepMs: fgaStep!.medianMs, forwardMs: forwardRun!.medianMs, ratio: fgaStep!.medianMs / forwardRun!.medianMs, cpuRatio: fgaStep!.cpuMs / forwardRun!.cpuMs },
    bp: { stepMs: bpStep!.medianMs, ratio: bpStep!.medianMs / forwardRun!.medianMs, cpuRatio: bpStep!.cpuMs / forwardRun!.cpuMs },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, runtime: backend().name, threads: threads ?? 'default' },
  };
}
