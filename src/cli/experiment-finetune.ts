import { join } from 'node:path';
import { ALLOCATORS } from '../allocators/registry.js';
import { DATASET_SPECS } from '../data/load.js';
import { FINETUNE_JSON, FINETUNE_MD, runFinetuneExperiment } from '../experiments/finetune.js';
import type { TrainConfig } from '../train/config.js';
import { type Command, parseFlagsOnly } from './args.js';
import { timestamp } from './progress.js';
import { parseClasses } from './train.js';

export const finetuneCommand = {
  name: 'experiment finetune',
  summary: `Forward-only fine-tuning: backprop pretrains on some classes, a forward-only method fine-tunes on others, with and without query allocation.
Writes <out>/${FINETUNE_JSON} and ${FINETUNE_MD}; every run is a train run directory under <out>.`,
  flags: {
    dataset: { type: 'string', default: 'mnist', help: `data: ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', default: 'mlp:784-256-256-10', help: 'model' },
    pretrain: { type: 'string', default: '0-4', help: 'classes to pretrain on' },
    finetune: { type: 'string', default: '5-9', help: 'classes to fine-tune on' },
    'pretrain-epochs': { type: 'integer', default: 3, min: 1, help: 'backprop epochs' },
    epochs: { type: 'integer', default: 3, min: 1, help: 'fine-tuning epochs' },
    method: { type: 'string', default: 'fg-a', choices: ['fg-a', 'lr', 'spsa', 'fg-w'], help: 'the forward-only method' },
    allocators: { type: 'string', default: Object.keys(ALLOCATORS).join(','), help: 'allocators to compare, comma-separated' },
    'queries-per-example': { type: 'number', default: 4, min: 1, help: 'average queries per example per step with an allocator' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/finetune-<time>)' },
  },
} as const satisfies Command;

export async function runFinetune(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(finetuneCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const out = flags.out ?? join('runs', `finetune-${timestamp()}`);
  const { markdown } = await runFinetuneExperiment(
    {
      out,
      dataset: flags.dataset,
      model: flags.model,
      pretrainClasses: parseClasses(flags.pretrain),
      finetuneClasses: parseClasses(flags.finetune),
      pretrainEpochs: flags['pretrain-epochs'],
      epochs: flags.epochs,
      method: flags.method as TrainConfig['method'],
      allocators: flags.allocators.split(','),
      queriesPerExample: flags['queries-per-example'],
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${markdown}\nresults: ${join(out, FINETUNE_JSON)}, ${join(out, FINETUNE_MD)}`);
  return 0;
}
