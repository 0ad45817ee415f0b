import { join } from 'node:path';
import { ALLOCATORS } from '../allocators/registry.js';
import { PROMPT_JSON, PROMPT_MD, runPromptExperiment } from '../experiments/prompt.js';
import { type Command, UsageError, parseFlagsOnly } from './args.js';
import { timestamp } from './progress.js';

export const promptCommand = {
  name: 'experiment prompt',
  summary: `Black-box prompt tuning: a frozen MNIST classifier, seen only as a function from inputs to losses, adapted to corrupted digits by an input prompt tuned with SPSA from queries alone.
Writes <out>/${PROMPT_JSON} and ${PROMPT_MD}.`,
  flags: {
    model: { type: 'string', default: 'mlp:784-256-10', help: 'the frozen model' },
    'pretrain-steps': { type: 'integer', default: 600, min: 1, help: 'backprop steps that train the frozen model' },
    steps: { type: 'integer', default: 300, min: 1, help: 'prompt-tuning steps per allocator' },
    'batch-size': { type: 'integer', default: 32, min: 1, help: 'examples per step' },
    'queries-per-example': { type: 'integer', default: 16, min: 2, help: 'average queries per example per step (± pairs)' },
    examples: { type: 'integer', default: 1000, min: 1, help: 'target-domain training examples' },
    allocators: { type: 'string', default: Object.keys(ALLOCATORS).join(','), help: 'allocators to compare, comma-separated' },
    lr: { type: 'number', default: 0.05, min: 0, help: 'Adam learning rate of the prompt' },
    corruption: { type: 'number', default: 1, min: 0, help: 'standard deviation of the fixed pattern added to target images' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/prompt-<time>)' },
  },
} as const satisfies Command;

export async function runPrompt(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(promptCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  if (flags['queries-per-example'] % 2 !== 0) throw new UsageError('--queries-per-example must be even: queries come in ± pairs');
  const out = flags.out ?? join('runs', `prompt-${timestamp()}`);
  const { markdown } = await runPromptExperiment(
    {
      out,
      model: flags.model,
      pretrainSteps: flags['pretrain-steps'],
      steps: flags.steps,
      batchSize: flags['batch-size'],
      queriesPerExample: flags['queries-per-example'],
      examples: flags.examples,
      allocators: flags.allocators.split(','),
      lr: flags.lr,
      corruption: flags.corruption,
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${markdown}\nresults: ${join(out, PROMPT_JSON)}, ${join(out, PROMPT_MD)}`);
  return 0;
}
