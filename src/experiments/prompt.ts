import { join } from 'node:path';
import { batches } from '../data/batches.js';
import { type Dataset, subset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { createEstimator } from '../estimators/registry.js';
import { type BlackBoxObjective, BlackBoxLossOracle } from '../objectives/black-box.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { programInputs } from '../objectives/program-inputs.js';
import { type Stepper, initTrainState, runSteps } from '../train/step.js';
import { createQueryAllocation } from '../train/allocation.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { modelFromSpec } from '../nn/factories.js';
import type { Model } from '../nn/model.js';
import { adam } from '../optim/aliases.js';
import { fillGaussian } from '../rng/noise.js';
import { pretrain } from './pretrain.js';

export const PROMPT_JSON = 'prompt.json';
export const PROMPT_MD = 'prompt.md';

export interface PromptOptions {
  readonly out: string;
  readonly model?: string;
  /** Backprop steps that train the frozen model on clean digits. */
  readonly pretrainSteps?: number;
  /** Prompt-tuning steps per allocator. */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly queriesPerExample?: number;
  readonly allocators?: readonly string[];
  readonly lr?: number;
  /** Standard deviation of the fixed corruption pattern added to every target image. */
  readonly corruption?: number;
  /** Target-domain training examples (a few-shot pool, revisited, so allocators learn per-example noise). */
  readonly examples?: number;
  readonly seed?: number;
}

export interface PromptRow {
  readonly allocator: string;
  readonly test_acc: number;
  readonly queries: number;
  readonly curve: readonly { readonly queries: number; readonly test_acc: number }[];
}

/**
 * Black-box prompt tuning, after FLOPS's application (Ren et al. 2025), at a size that
 * runs on a laptop. A frozen MNIST classifier is reachable only as a function from
 * inputs to per-example losses. The target domain adds a fixed corruption pattern to
 * every image, which the frozen model does not expect; a learnable input prompt (one
 * additive input vector, a visual prompt) is tuned through the black box alone, by
 * SPSA with query allocation. Reports clean and corrupted accuracy and the accuracy
 * each allocator's prompt reaches at equal queries.
 */
export async function runPromptExperiment(options: PromptOptions, log: (line: string) => void = () => {}): Promise<{ clean: number; corrupted: number; rows: PromptRow[]; markdown: string }> {
  const { out, model: spec = 'mlp:784-256-10', pretrainSteps = 600, steps = 300, batchSize = 32, queriesPerExample = 16, allocators = ['uniform', 'neyman', 'softmax', 'flops'], lr = 0.05, corruption = 1, examples = 1000, seed = 0 } = options;
  const { train: trainSet, test } = await loadMnist();
  const pool = subset(trainSet, Int32Array.from({ length: Math.min(examples, trainSet.size) }, (_, i) => i), 'mnist/target-pool');
  const model = modelFromSpec(spec, trainSet.inputShape, trainSet.classes);
  const theta = await pretrain(model, model.init(seed), trainSet, pretrainSteps, 64, seed);
  const d = model.inputShape.reduce((a, n) => a * n, 1);
  const pattern = new Float32Array(d);
  fillGaussian(pattern, seed + 7, 0, corruption);
  const frozen = await frozenModel(model, theta);
  const noPrompt = new Float32Array(d);
  const clean = await frozen.accuracy(test, noPrompt, new Float32Array(d));
  const corrupted = await frozen.accuracy(test, noPrompt, pattern);
  log(`frozen ${spec}: ${(100 * clean).toFixed(2)}% on clean digits, ${(100 * corrupted).toFixed(2)}% on corrupted ones`);

  const rows: PromptRow[] = [];
  const oracle = new BlackBoxLossOracle(d, frozen.objective(pattern));
  for (const name of allocators) {
    const estimator = createEstimator('spsa', { oracle, seed }, { epsilon: 1e-2 });
    const allocation = createQueryAllocation({ allocator: name, method: 'spsa', options: { epsilon: 1e-2 }, queriesPerExample, context: { oracle }, seed });
    const stepper: Stepper = { estimator, optimizer: adam(lr), allocation };
    const curve: PromptRow['curve'][number][] = [];
    const prompt = new Float32Array(d);
    const done = await runSteps(stepper, initTrainState(stepper, prompt, pool.size), pool, {
      batchSize,
      seed,
      steps,
      onStep: async ({ progress }) => {
        if (progress.step % 50 === 0 || progress.step === steps) curve.push({ queries: progress.queries, test_acc: await frozen.accuracy(test, prompt, pattern) });
      },
    });
    await allocation.pilot?.dispose();
    rows.push({ allocator: name, test_acc: curve[curve.length - 1]!.test_acc, queries: done.progress.queries, curve });
    log(`prompt tuned with ${name}: ${(100 * rows[rows.length - 1]!.test_acc).toFixed(2)}% on corrupted digits after ${done.progress.queries} queries`);
  }
  await frozen.dispose();
  const markdown = [
    `# Black-box prompt tuning: ${spec} on the embedded MNIST`,
    '',
    `The frozen model reaches ${(100 * clean).toFixed(2)}% on clean test digits and ${(100 * corrupted).toFixed(2)}% once a fixed pattern (Gaussian, σ = ${corruption}) is added to every image. An additive input prompt is tuned through the black box (losses only) by SPSA on a pool of ${pool.size} target examples, ${steps} steps of ${batchSize} examples at ${queriesPerExample} queries per example, Adam lr ${lr}:`,
    '',
    '| allocator | test accuracy with the prompt | queries |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.allocator} | ${(100 * r.test_acc).toFixed(2)}% | ${r.queries} |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(out, PROMPT_JSON), `${JSON.stringify({ options: { ...options, spec, pretrainSteps, steps, batchSize, queriesPerExample, lr, corruption, examples, seed }, clean, corrupted, rows }, null, 2)}\n`);
  await writeFileAtomic(join(out, PROMPT_MD), markdown);
  return { clean, corrupted, rows, markdown };
}

/** The frozen classifier, and the black box built on it: inputs plus pattern plus each query's prompt → per-query losses. */
async function frozenModel(model: Model, theta: Float32Array) {
  const objective = crossEntropyObjective();
  const { x, y } = programInputs(model, objective);
  const params = model.paramInputs();
  const logits = model.forward(x, params).out;
  const program = await compile({ inputs: [x, y, ...params], outputs: [objective.loss(logits, y), logits] });
  const weights = model.paramFeeds(theta);
  const d = model.inputShape.reduce((a, n) => a * n, 1);
  const run = (images: Float32Array, labels: BigInt64Array) =>
    program.run({ x: new HostTensor('float32', [labels.length, ...model.inputShape], images), y: new HostTensor('int64', [labels.length], labels), ...weights });
  const shifted = (images: ArrayLike<number>, rows: ArrayLike<number>, prompt: (row: number) => Float32Array, pattern: Float32Array) => {
    const out = new Float32Array(rows.length * d);
    for (let r = 0; r < rows.length; r++) {
      const p = prompt(r);
      for (let j = 0; j < d; j++) out[r * d + j] = images[rows[r]! * d + j]! + pattern[j]! + p[j]!;
    }
    return out;
  };
  return {
    objective(pattern: Float32Array): BlackBoxObjective {
      return async ({ params: prompts, examples, batch }) => {
        const labels = batch.y.data as BigInt64Array;
        return float32Output(await run(shifted(batch.x.data, examples, (r) => prompts.subarray(r * d, (r + 1) * d), pattern), BigInt64Array.from(examples, (e) => labels[e]!)), 0);
      };
    },
    async accuracy(dataset: Dataset, prompt: Float32Array, pattern: Float32Array): Promise<number> {
      let correct = 0;
      for (const batch of batches(dataset, { batchSize: 1000, shuffle: false })) {
        const rows = Int32Array.from({ length: batch.y.size }, (_, i) => i);
        correct += objective.correct(float32Output(await run(shifted(batch.x.data, rows, () => prompt, pattern), batch.y.data), 1), batch.y.data, model.outputs);
      }
      return correct / dataset.size;
    },
    dispose: () => program.dispose(),
  };
}
