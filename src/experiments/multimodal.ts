import { join } from 'node:path';
import { type Dataset, createDataset, subset, withClasses } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { BlackBoxModel } from '../engine/onnx/black-box.js';
import { loadOnnx } from '../engine/onnx/load.js';
import { createEstimator } from '../estimators/registry.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { CaptionTower } from '../nn/caption-tower.js';
import { Model } from '../nn/model.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { adam } from '../optim/aliases.js';
import { chartSpec } from '../report/chart-spec.js';
import { type LineChart, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import { createQueryAllocation } from '../train/allocation.js';
import { Evaluator } from '../train/evaluate.js';
import { type Stepper, initTrainState, runSteps } from '../train/step.js';

export const MULTIMODAL_JSON = 'multimodal.json';
export const MULTIMODAL_MD = 'multimodal.md';
export const MULTIMODAL_SVG = 'multimodal.svg';

export interface MultimodalOptions {
  /** The frozen image encoder: an ONNX file taking [batch, ...image] and giving embeddings [batch, dim] (its first output). */
  readonly encoder: string;
  readonly out: string;
  /** Image–caption data (class names are the captions). */
  readonly dataset?: string;
  /** Training images embedded and aligned (the first ones of the training split). */
  readonly examples?: number;
  /** Classes the encoder never saw in training, reported on their own. */
  readonly unseen?: readonly number[];
  readonly allocators?: readonly string[];
  readonly steps?: number;
  readonly batchSize?: number;
  /** Average queries per example per step (± pairs), the same for every allocator. */
  readonly queriesPerExample?: number;
  /** SPSA's finite-difference step and Adam's learning rate. */
  readonly epsilon?: number;
  readonly lr?: number;
  /** Evaluate zero-shot accuracy every this many steps. */
  readonly evalEvery?: number;
  readonly seed?: number;
}

export interface MultimodalRow {
  /** 'untrained', 'bp (reference)', or an allocator. */
  readonly run: string;
  readonly zeroShot: number;
  readonly unseen: number;
  /** Queries through the text side and the loss (the encoder's are counted once, apart). */
  readonly queries: number;
  readonly curve: readonly { readonly queries: number; readonly zeroShot: number }[];
}

/**
 * FLOPS's multimodal alignment (Ren et al. 2025, CLIP fine-tuning), in small: a frozen
 * image encoder seen only as a black box (an ONNX file run as it is: inputs in,
 * embeddings out) and a learned text side — token embeddings of the class names and a
 * projection, `CaptionTower` — are aligned by CLIP's image-to-text contrastive loss
 * (cross-entropy of each image's cosine similarities to all captions, against its own).
 * The text side trains forward-only with SPSA (MeZO's two-point estimator), its queries
 * split by each allocator at an equal budget; the aligned pair is scored by zero-shot
 * classification of test images: the caption closest to the image wins, no classifier
 * trained. Writes multimodal.json, multimodal.md, multimodal.svg and result.json.
 */
export async function runMultimodalExperiment(options: MultimodalOptions, log: (line: string) => void = () => {}): Promise<{ rows: MultimodalRow[]; markdown: string }> {
  const {
    encoder: encoderPath, out, dataset = 'fashion-mnist', examples = 10_000, unseen = [5, 6, 7, 8, 9], allocators = ['uniform', 'neyman', 'softmax', 'flops'],
    steps = 400, batchSize = 64, queriesPerExample = 8, epsilon = 1e-2, lr = 0.01, evalEvery = 50, seed = 0,
  } = options;
  const data = await loadDataset(dataset);
  const captions = data.train.classNames ?? Array.from({ length: data.train.classes }, (_, c) => `class ${c}`);
  const encoder = await BlackBoxModel.create(await loadOnnx(encoderPath), []);
  const train = await embed(encoder, subset(data.train, Int32Array.from({ length: Math.min(examples, data.train.size) }, (_, i) => i), `${dataset}/train`));
  const test = await embed(encoder, data.test);
  await encoder.dispose();
  const encoderQueries = train.size + test.size;
  const dim = train.inputShape[0]!;
  log(`${encoderPath}: ${dim}-dimensional embeddings of ${train.size} training and ${test.size} test images (${encoderQueries} encoder queries, once)`);

  const model = new Model(new CaptionTower(captions, dim), [dim], captions.length, `caption-tower:${dim}`);
  const objective = crossEntropyObjective();
  const evaluator = new Evaluator(model, objective);
  const unseenTest = withClasses(test, unseen);
  const score = async (theta: Float32Array) => ({ zeroShot: (await evaluator.evaluate(theta, test)).accuracy, unseen: (await evaluator.evaluate(theta, unseenTest)).accuracy });
  const start = model.init(seed);
  const rows: MultimodalRow[] = [{ run: 'untrained', ...(await score(start)), queries: 0, curve: [] }];

  const arms: { run: string; method: string; allocator?: string }[] = [{ run: 'bp (reference)', method: 'bp' }, ...allocators.map((allocator) => ({ run: allocator, method: 'spsa', allocator }))];
  for (const { run, method, allocator } of arms) {
    const estimator = createEstimator(method, { model, objective, seed }, method === 'spsa' ? { epsilon } : {});
    const allocation = allocator === undefined ? undefined : createQueryAllocation({ allocator, method, options: { epsilon }, queriesPerExample, context: { model, objective }, seed });
    const stepper: Stepper = { estimator, optimizer: adam(lr), ...(allocation && { allocation }) };
    const theta = start.slice();
    const curve: { queries: number; zeroShot: number }[] = [];
    const done = await runSteps(stepper, initTrainState(stepper, theta, train.size), train, {
      batchSize, seed, steps,
      onStep: async ({ progress }) => {
        if (progress.step % evalEvery === 0 || progress.step === steps) curve.push({ queries: progress.queries, zeroShot: (await score(theta)).zeroShot });
      },
    });
    await Promise.all([estimator.dispose(), allocation?.pilot?.dispose()]);
    rows.push({ run, ...(await score(theta)), queries: done.progress.queries, curve });
    log(`${run}: zero-shot ${(100 * rows[rows.length - 1]!.zeroShot).toFixed(2)}% (unseen classes ${(100 * rows[rows.length - 1]!.unseen).toFixed(2)}%) after ${done.progress.queries} queries`);
  }
  await evaluator.dispose();

  const settings = { dataset, encoder: encoderPath, examples: train.size, unseen, steps, batchSize, queriesPerExample, epsilon, lr, seed, encoderQueries };
  const chart: LineChart = {
    type: 'line',
    title: `Zero-shot accuracy of the aligned pair against queries (${dataset})`,
    x: { title: 'queries through the text side (forward evaluations × examples)' },
    y: { title: 'zero-shot test accuracy' },
    series: rows.filter((r) => r.curve.length > 0 && r.run !== 'bp (reference)').map((r) => ({ name: r.run, points: r.curve.map((p) => [p.queries, p.zeroShot] as const) })),
  };
  await writeFileAtomic(join(out, MULTIMODAL_SVG), await chartSvg(chartSpec(chart).spec));
  const description = `A frozen image encoder (${encoderPath}, a black box: ${dim}-dimensional outputs) and a learned text side (token embeddings of the ${captions.length} class names, width 32, and a projection) aligned by CLIP's image-to-text loss on ${train.size} training images of ${dataset}; SPSA (±ε pairs, ε = ${epsilon}) with ${queriesPerExample} queries per example per step, ${steps} steps of ${batchSize}, Adam lr ${lr}, seed ${seed}. Zero-shot accuracy: the nearest caption, over all ${captions.length}, on the ${test.size} test images, and on the classes the encoder never saw (${unseen.join(', ')})`;
  const table = { title: description, columns: ['run', 'zero-shot accuracy', `unseen classes (${unseen.join(', ')})`, 'queries'], rows: rows.map((r) => [r.run, r.zeroShot, r.unseen, r.queries]) };
  await writeExperimentResult(out, { kind: 'multimodal', title: `Multimodal alignment: ${dataset}`, conditions: { ...settings, unseen: unseen.join(',') }, tables: [table], charts: [chart] });
  const percent = (v: number) => `${(100 * v).toFixed(2)}%`;
  const markdown = [
    `# Multimodal alignment (FLOPS, in small): ${dataset}`,
    '',
    `${description}. "bp (reference)" trains the same text side with exact gradients; flops pays one loss query per example and step for its pilot, counted, and uneven allocations lay SPSA's pairs out as directions × slots, computing a few padding slots (counted too). Zero-shot accuracy against queries in ${MULTIMODAL_SVG}:`,
    '',
    '| run | zero-shot accuracy | unseen classes | queries |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.run} | ${percent(r.zeroShot)} | ${percent(r.unseen)} | ${r.queries.toLocaleString('en-US')} |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(out, MULTIMODAL_JSON), `${JSON.stringify({ options: settings, rows }, null, 2)}\n`);
  await writeFileAtomic(join(out, MULTIMODAL_MD), markdown);
  return { rows, markdown };
}

/** The dataset with each image replaced by the encoder's output for it (one black-box query per image, in batches of 1,000). */
async function embed(encoder: BlackBoxModel, dataset: Dataset): Promise<Dataset> {
  const per = dataset.inputShape.reduce((a, d) => a * d, 1);
  const parts: Float32Array[] = [];
  for (let start = 0; start < dataset.size; start += 1000) {
    const n = Math.min(1000, dataset.size - start);
    const x = new HostTensor('float32', [n, ...dataset.inputShape], dataset.x.subarray(start * per, (start + n) * per));
    const [output] = await encoder.run(new Float32Array(0), x);
    if (output?.dtype !== 'float32' || output.shape.length !== 2) throw new RangeError(`the encoder's first output must be float32 embeddings [batch, dim], got ${output?.dtype}[${output?.shape.join(', ')}]`);
    parts.push(output.data as Float32Array);
  }
  const dim = parts[0]!.length / Math.min(1000, dataset.size);
  const x = new Float32Array(dataset.size * dim);
  let offset = 0;
  for (const part of parts) {
    x.set(part, offset);
    offset += part.length;
  }
  return createDataset({ name: `${dataset.name}/embeddings`, inputShape: [dim], classes: dataset.classes, ...(dataset.classNames && { classNames: dataset.classNames }), x, y: dataset.y });
}
