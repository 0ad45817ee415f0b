import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { runLandscapeExperiment } from '../experiments/landscape.js';
import { RESULT_FILE } from '../report/result.js';
import { parseSubnets } from '../sparse/masks.js';
import { type Command, flagValue, parseFlagsOnly, perItem } from './args.js';
import { methodList } from './method-flags.js';
import { timestamp } from './progress.js';

export const landscapeExperimentCommand = {
  name: 'experiment landscape',
  summary: `Loss landscapes of the minima reached by bp, fg-a and spsa, and of AST sub-nets: 2-D filter-normalised planes and curvature at each centre.
Writes <out>/landscape-experiment.md, ${RESULT_FILE} (for forwardprop report), and a train run directory with its landscape per run.`,
  flags: {
    dataset: { type: 'string', default: 'fashion-mnist', help: `data: ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', default: 'mlp:784-256-256-10', help: 'model' },
    methods: { type: 'string', default: 'bp,fg-a,spsa', help: 'estimators, comma-separated' },
    epochs: { type: 'string', default: '3,3,1', help: 'epochs per method, comma-separated' },
    subnets: { type: 'string', default: '0.1,0.05,0.02', help: "AST sub-nets trained by bp whose landscapes are added ('' skips them)" },
    'ast-epochs': { type: 'integer', default: 3, min: 1, help: 'epochs of the AST run' },
    points: { type: 'integer', default: 51, min: 3, help: 'grid points per axis' },
    examples: { type: 'integer', default: 1000, min: 1, help: 'training examples the loss is taken on' },
    'hessian-iterations': { type: 'integer', default: 100, min: 0, help: 'most power-iteration products per Hessian eigenvalue' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/landscape-<time>)' },
  },
} as const satisfies Command;

export async function runLandscapeComparison(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(landscapeExperimentCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const methods = methodList(flags.methods);
  const epochs = perItem('--epochs', flags.epochs, methods.length, 'one positive integer', (e) => Number.isSafeInteger(e) && e >= 1);
  if (flags.subnets !== '') flagValue('--subnets', () => parseSubnets(flags.subnets));
  const out = flags.out ?? join('runs', `landscape-${timestamp()}`);
  const result = await runLandscapeExperiment(
    {
      out,
      dataset: flags.dataset,
      model: flags.model,
      methods,
      epochs,
      subnets: flags.subnets,
      astEpochs: flags['ast-epochs'],
      points: flags.points,
      examples: flags.examples,
      hessianIterations: flags['hessian-iterations'],
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${result.markdown}\na page of it: forwardprop report ${out}`);
  return 0;
}
