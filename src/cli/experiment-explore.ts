import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { EXPLORE_JSON, EXPLORE_MD, runExploreExperiment } from '../experiments/explore.js';
import { RESULT_FILE } from '../report/result.js';
import { parseExploreSpec } from '../train/hooks/explore.js';
import { type Command, UsageError, flagValue, parseFlagsOnly, perItem } from './args.js';
import { methodList } from './method-flags.js';
import { timestamp } from './progress.js';

export const exploreCommand = {
  name: 'experiment explore',
  summary: `Exploration around updates (ExploRLer): spsa and fg-w on Fashion-MNIST with and without it at equal forward passes, and cart-pole policy search by spsa with and without it.
Writes <out>/${EXPLORE_JSON}, ${EXPLORE_MD}, ${RESULT_FILE} (for forwardprop report), two SVGs, and a train run directory per Fashion-MNIST run.`,
  flags: {
    dataset: { type: 'string', default: 'fashion-mnist', help: `data: ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', default: 'mlp:784-300-100-10', help: 'model' },
    methods: { type: 'string', default: 'spsa,fg-w', help: 'estimators, comma-separated' },
    budgets: { type: 'string', default: '1920000,180000', help: 'query budget per method, comma-separated (the same with and without exploration)' },
    explore: { type: 'string', default: 'every=20,anchors=5;every=500,anchors=5', help: 'exploration spec per method, separated by semicolons' },
    holdout: { type: 'integer', default: 256, min: 1, help: 'held-out training examples that score candidates (held out in every run)' },
    'batch-size': { type: 'integer', default: 64, min: 1, help: 'examples per step' },
    'cart-pole-seeds': { type: 'integer', default: 10, min: 0, help: 'cart-pole runs per arm (0 skips cart-pole)' },
    'cart-pole-budget': { type: 'integer', default: 3000, min: 1, help: 'episodes per cart-pole run' },
    'cart-pole-explore': { type: 'string', default: 'every=10,anchors=5', help: 'exploration spec of the cart-pole runs' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed of the Fashion-MNIST runs' },
    out: { type: 'string', help: 'experiment directory (default: runs/explore-<time>)' },
  },
} as const satisfies Command;

export async function runExplore(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(exploreCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const methods = methodList(flags.methods);
  const budgets = perItem('--budgets', flags.budgets, methods.length, 'one positive query budget', (b) => b > 0);
  const explore = flags.explore.split(';').map((s) => s.trim());
  if (explore.length !== methods.length) throw new UsageError(`--explore takes one spec per method (${methods.length}), separated by semicolons; got '${flags.explore}'`);
  for (const spec of explore) flagValue('--explore', () => parseExploreSpec(spec));
  flagValue('--cart-pole-explore', () => parseExploreSpec(flags['cart-pole-explore']));
  const out = flags.out ?? join('runs', `explore-${timestamp()}`);
  const result = await runExploreExperiment(
    {
      out,
      dataset: flags.dataset,
      model: flags.model,
      methods,
      budgets,
      explore,
      holdout: flags.holdout,
      batchSize: flags['batch-size'],
      seed: flags.seed,
      cartPole: { seeds: flags['cart-pole-seeds'], budget: flags['cart-pole-budget'], explore: flags['cart-pole-explore'] },
    },
    (line) => console.log(line),
  );
  console.log(`\n${result.markdown}\nresults: ${join(out, EXPLORE_JSON)}, ${join(out, EXPLORE_MD)}; a page of them: forwardprop report ${out}`);
  return 0;
}
