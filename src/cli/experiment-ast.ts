import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { AST_JSON, AST_MD, runAstExperiment } from '../experiments/ast.js';
import { RESULT_FILE } from '../report/result.js';
import { parseSubnets } from '../sparse/masks.js';
import type { TrainConfig } from '../train/config.js';
import { type Command, UsageError, flagValue, parseFlagsOnly, perItem } from './args.js';
import { methodList } from './method-flags.js';
import { CORRECTION_MODES } from '../train/hooks/gradient-correction.js';
import { timestamp } from './progress.js';

export const astCommand = {
  name: 'experiment ast',
  summary: `AST: sparse sub-nets (densities, N:M) trained alone and as alternating sub-nets in one run, with and without gradient correction, by backprop and a forward-only estimator.
Writes <out>/${AST_JSON}, ${AST_MD}, ${RESULT_FILE} (for forwardprop report), one SVG per method, and a train run directory per run.`,
  flags: {
    dataset: { type: 'string', default: 'fashion-mnist', help: `data: ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', default: 'mlp:784-300-100-10', help: 'model of the density sub-nets' },
    'nm-model': { type: 'string', default: 'mlp:784-304-104-10', help: 'model of the N:M sub-nets (input widths multiples of M)' },
    densities: { type: 'string', default: '0.1,0.05,0.02', help: "density sub-nets ('' skips them)" },
    patterns: { type: 'string', default: '2:4,1:4,1:8', help: "N:M sub-nets ('' skips them)" },
    methods: { type: 'string', default: 'bp,fg-w', help: 'estimators, comma-separated' },
    'prune-until': { type: 'string', help: 'pruning ramp per method, comma-separated (default 0.69 for backprop, 0 for forward-only: sparse from the start)' },
    corrections: { type: 'string', default: 'none,plain,ema', help: 'correction modes of the AST runs' },
    lrs: { type: 'string', help: "learning rate per method, comma-separated (default: each method's)" },
    epochs: { type: 'integer', default: 3, min: 1, help: 'epochs of every run' },
    'batch-size': { type: 'integer', default: 64, min: 1, help: 'examples per step' },
    'mask-every': { type: 'integer', default: 100, min: 1, help: 'steps between mask updates' },
    'variance-repetitions': { type: 'integer', default: 30, min: 0, help: 'estimates per variance measurement under masks (0 skips it)' },
    'variance-only': { type: 'boolean', help: 'measure the variance under masks only, training nothing' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/ast-<time>)' },
  },
} as const satisfies Command;

export async function runAst(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(astCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const methods = methodList(flags.methods);
  for (const [flag, text] of [['--densities', flags.densities], ['--patterns', flags.patterns]] as const) if (text !== '') flagValue(flag, () => parseSubnets(text));
  const corrections = flags.corrections.split(',');
  const badCorrection = corrections.find((c) => !['none', ...CORRECTION_MODES].includes(c));
  if (badCorrection !== undefined) throw new UsageError(`--corrections: '${badCorrection}' is not one of none, ${CORRECTION_MODES.join(', ')}`);
  const pruneUntil = flags['prune-until'] === undefined ? undefined : perItem('--prune-until', flags['prune-until'], methods.length, 'one share in [0, 1]', (p) => p >= 0 && p <= 1);
  const lrs = flags.lrs === undefined ? undefined : perItem('--lrs', flags.lrs, methods.length, 'one positive learning rate', (v) => v > 0);
  const out = flags.out ?? join('runs', `ast-${timestamp()}`);
  const result = await runAstExperiment(
    {
      out,
      dataset: flags.dataset,
      model: flags.model,
      nmModel: flags['nm-model'],
      densities: flags.densities,
      patterns: flags.patterns,
      methods,
      ...(pruneUntil && { pruneUntil }),
      ...(lrs && { lrs }),
      corrections: corrections as NonNullable<TrainConfig['correction']>[],
      epochs: flags.epochs,
      batchSize: flags['batch-size'],
      maskEvery: flags['mask-every'],
      varianceRepetitions: flags['variance-repetitions'],
      varianceOnly: flags['variance-only'] === true,
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${result.markdown}\nresults: ${join(out, AST_JSON)}, ${join(out, AST_MD)}; a page of them: forwardprop report ${out}`);
  return 0;
}
