import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATORS } from '../allocators/registry.js';
import { DATASET_SPECS } from '../data/load.js';
import { MULTIMODAL_JSON, MULTIMODAL_MD, MULTIMODAL_SVG, runMultimodalExperiment } from '../experiments/multimodal.js';
import { RESULT_FILE } from '../report/result.js';
import { allocatorList } from './experiment-allocation.js';
import { parseClasses } from './train.js';
import { type Command, UsageError, parseFlagsOnly } from './args.js';
import { timestamp } from './progress.js';

/** The repository's copy of the shared MLP (Fashion-MNIST classes 0–4, ONNX from PyTorch). */
const FIXTURE_ENCODER = fileURLToPath(new URL('../../../test/fixtures/models/mlp.onnx', import.meta.url));

export const multimodalCommand = {
  name: 'experiment multimodal',
  summary: `Multimodal alignment (FLOPS, in small): a frozen black-box image encoder and a learned text side (class-name tokens) aligned by CLIP's contrastive loss, forward-only with each allocator; zero-shot accuracy.
Writes <out>/${MULTIMODAL_JSON}, ${MULTIMODAL_MD}, ${MULTIMODAL_SVG} and ${RESULT_FILE}.`,
  flags: {
    encoder: { type: 'string', default: FIXTURE_ENCODER, help: 'the frozen image encoder: an ONNX file from images to embeddings (default: the repository\'s MLP trained on Fashion-MNIST classes 0-4)' },
    dataset: { type: 'string', default: 'fashion-mnist', help: `images with class names: ${DATASET_SPECS.join(' | ')}` },
    examples: { type: 'integer', default: 10000, min: 1, help: 'training images to align on' },
    unseen: { type: 'string', default: '5-9', help: 'classes the encoder never saw, reported apart' },
    allocators: { type: 'string', default: Object.keys(ALLOCATORS).join(','), help: 'allocators to compare, comma-separated' },
    steps: { type: 'integer', default: 400, min: 1, help: 'steps per allocator' },
    'batch-size': { type: 'integer', default: 64, min: 1, help: 'examples per step' },
    'queries-per-example': { type: 'integer', default: 8, min: 2, help: 'average queries per example per step (± pairs)' },
    epsilon: { type: 'number', default: 1e-2, min: 0, help: "SPSA's finite-difference step" },
    lr: { type: 'number', default: 0.05, min: 0, help: 'Adam learning rate of the text side' },
    'eval-every': { type: 'integer', default: 50, min: 1, help: 'steps between zero-shot evaluations' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/multimodal-<time>)' },
  },
} as const satisfies Command;

export async function runMultimodal(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(multimodalCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  if (flags['queries-per-example'] % 2 !== 0) throw new UsageError('--queries-per-example must be even: queries come in ± pairs');
  const allocators = allocatorList(flags.allocators);
  if (!existsSync(flags.encoder)) throw new UsageError(`--encoder: no file ${flags.encoder}`);
  const out = flags.out ?? join('runs', `multimodal-${timestamp()}`);
  const { markdown } = await runMultimodalExperiment(
    {
      encoder: flags.encoder,
      out,
      dataset: flags.dataset,
      examples: flags.examples,
      unseen: parseClasses(flags.unseen),
      allocators,
      steps: flags.steps,
      batchSize: flags['batch-size'],
      queriesPerExample: flags['queries-per-example'],
      epsilon: flags.epsilon,
      lr: flags.lr,
      evalEvery: flags['eval-every'],
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${markdown}\nresults: ${join(out, MULTIMODAL_JSON)}, ${join(out, MULTIMODAL_MD)}; a page of them: forwardprop report ${out}`);
  return 0;
}
