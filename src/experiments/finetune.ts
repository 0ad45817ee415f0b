import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { descriptor } from '../estimators/registry.js';
import { Evaluator } from '../train/evaluate.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { CHECKPOINT_FILE, outputsFor, train, trainingData } from '../train/trainer.js';
import { modelFromSpec } from '../nn/factories.js';
import { objectiveFromSpec } from '../objectives/objective.js';

export const FINETUNE_JSON = 'finetune.json';
export const FINETUNE_MD = 'finetune.md';

export interface FinetuneOptions {
  readonly out: string;
  readonly dataset?: string;
  readonly model?: string;
  readonly pretrainClasses?: readonly number[];
  readonly finetuneClasses?: readonly number[];
  readonly pretrainEpochs?: number;
  readonly epochs?: number;
  /** The forward-only method that fine-tunes. */
  readonly method?: TrainConfig['method'];
  readonly allocators?: readonly string[];
  readonly queriesPerExample?: number;
  readonly seed?: number;
}

export interface FinetuneRow {
  /** 'none': the method's own queries, no allocator; else the allocator at `queriesPerExample`. */
  readonly allocator: string;
  readonly test_acc: number;
  readonly queries: number;
  readonly wall_s: number;
}

/**
 * Forward-only fine-tuning, after FLOPS's application (Ren et al. 2025), at a size that
 * runs here: backprop pretrains on some classes (digits 0–4), then a forward-only method
 * fine-tunes the whole network on others (5–9), without allocation and with each
 * allocator at an equal query budget. Each run is a `train` run directory under `out`.
 */
export async function runFinetuneExperiment(options: FinetuneOptions, log: (line: string) => void = () => {}): Promise<{ before: number; rows: FinetuneRow[]; markdown: string }> {
  const {
    out,
    dataset = 'mnist',
    model = 'mlp:784-256-256-10',
    pretrainClasses = [0, 1, 2, 3, 4],
    finetuneClasses = [5, 6, 7, 8, 9],
    pretrainEpochs = 3,
    epochs = 3,
    method = 'fg-a',
    allocators = ['uniform', 'neyman', 'softmax', 'flops'],
    queriesPerExample = 4,
    seed = 0,
  } = options;
  const base = { ...DEFAULT_CONFIG, dataset, model, seed };
  const pretrained = join(out, 'pretrain');
  const pre = await train({ ...base, method: 'bp', lr: descriptor('bp').defaultLearningRate, classes: pretrainClasses, epochs: pretrainEpochs }, { out: pretrained });
  log(`pretrained with bp on classes ${pretrainClasses.join(',')}: ${(100 * pre.test_acc).toFixed(2)}%`);
  const data = await trainingData({ ...base, classes: finetuneClasses });
  const net = modelFromSpec(model, data.train.inputShape, outputsFor(data.train));
  const evaluator = new Evaluator(net, objectiveFromSpec(base.objective));
  const before = (await evaluator.evaluate((await loadCheckpoint(join(pretrained, CHECKPOINT_FILE))).params, data.test)).accuracy;
  await evaluator.dispose();
  log(`before fine-tuning, on classes ${finetuneClasses.join(',')}: ${(100 * before).toFixed(2)}%`);
  const rows: FinetuneRow[] = [];
  for (const allocator of ['none', ...allocators]) {
    const config: TrainConfig = {
      ...base,
      method,
      lr: descriptor(method).defaultLearningRate,
      classes: finetuneClasses,
      init: pretrained,
      epochs,
      ...(allocator !== 'none' && { allocator: allocator as TrainConfig['allocator'], queriesPerExample }),
    };
    const summary = await train(config, { out: join(out, `finetune-${allocator}`) });
    rows.push({ allocator, test_acc: summary.test_acc, queries: summary.queries, wall_s: summary.wall_s });
    log(`${method} ${allocator}: ${(100 * summary.test_acc).toFixed(2)}% after ${summary.queries} queries`);
  }
  const markdown = [
    `# Forward-only fine-tuning: ${model} on ${dataset}`,
    '',
    `Backprop pretrains on classes ${pretrainClasses.join(',')} (${pretrainEpochs} epochs, ${(100 * pre.test_acc).toFixed(2)}% on their test digits); ${method} then fine-tunes every parameter on classes ${finetuneClasses.join(',')} for ${epochs} epochs, starting at ${(100 * before).toFixed(2)}% there. "none" is ${method} with its own queries; the allocators split ${queriesPerExample} queries per example per step:`,
    '',
    '| allocation | test accuracy | queries | training time |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.allocator} | ${(100 * r.test_acc).toFixed(2)}% | ${r.queries} | ${r.wall_s.toFixed(1)} s |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(out, FINETUNE_JSON), `${JSON.stringify({ options: { ...options, dataset, model, pretrainClasses, finetuneClasses, pretrainEpochs, epochs, method, queriesPerExample, seed }, pretrain: pre.test_acc, before, rows }, null, 2)}\n`);
  await writeFileAtomic(join(out, FINETUNE_MD), markdown);
  return { before, rows, markdown };
}
