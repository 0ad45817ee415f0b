import { join } from 'node:path';
import { MGD_STUDIES, type MgdStudy, runMgdExperiment } from '../experiments/mgd.js';
import { RESULT_FILE } from '../report/result.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';
import { timestamp } from './progress.js';

export const mgdCommand = {
  name: 'experiment mgd',
  positionals: MGD_STUDIES.join(' | '),
  summary: `Multiplexed gradient descent (McCaughan et al. 2023; Oripov et al. 2025): codes, scaling, time constants, noise, the Fashion-MNIST CNN.
One study at a time:
  codes           tdma, cdma, walsh and fdma on XOR and 4-bit parity: success rate and steps to 0.9
  scaling         time to target against network size, weight against node perturbation (parity widths 2-32; MLPs on MNIST)
  time-constants  τθ, τx and τp on 4-bit parity at equal forward passes, with the angle of G_int to the gradient
  noise           cost noise, update noise and device variation on 4-bit parity: success rate
  fashion-cnn     the papers' Fashion-MNIST CNN, MGD (cdma) against backprop SGD on the same batches
Writes <out>/${RESULT_FILE} (for forwardprop report), mgd-<study>.md, mgd-<study>.json and mgd-<study>-<n>.svg.`,
  flags: {
    seeds: { type: 'integer', min: 1, help: 'seeds per configuration (default: codes 10, noise 5, scaling and time-constants 3; fashion-cnn 1)' },
    budget: { type: 'number', min: 0, help: 'multiply every step budget by this (default 1; below 1 for a quick look)' },
    dt: { type: 'number', default: 1, min: 0, help: "one step's duration in the hardware's time unit (hardware time = steps × dt)" },
    widths: { type: 'string', default: '2,4,8,16,32', help: 'scaling: hidden widths of the parity networks, comma-separated' },
    'mlp-dataset': { type: 'string', default: 'mnist', choices: ['mnist', 'fashion-mnist', 'none'], help: 'scaling: the MLPs\' data (none skips them)' },
    'batch-size': { type: 'integer', default: 100, min: 1, help: 'fashion-cnn: examples per step (the papers: 1000)' },
    'mgd-lrs': { type: 'string', default: '3,10', help: 'fashion-cnn: MGD learning rates η, reference normalisation (the papers: 10)' },
    'bp-lr': { type: 'number', default: 0.1, min: 0, help: "fashion-cnn: backprop's SGD learning rate (the papers: 1 at batch 1000)" },
    out: { type: 'string', help: 'experiment directory (default: runs/mgd-<study>-<time>)' },
  },
} as const satisfies Command;

export async function runMgd(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(mgdCommand, argv);
  if (flags.help) {
    console.log(usage(mgdCommand));
    return 0;
  }
  const [study, ...rest] = positionals;
  if (!MGD_STUDIES.includes(study as MgdStudy) || rest.length > 0) throw new UsageError(`experiment mgd takes one study: ${MGD_STUDIES.join(', ')}${study ? `; got '${positionals.join(' ')}'` : ''}`);
  if (flags.budget !== undefined && !(flags.budget > 0)) throw new UsageError(`--budget must be positive, got ${flags.budget}`);
  if (!(flags.dt > 0)) throw new UsageError(`--dt must be positive, got ${flags.dt}`);
  const lrs = flags['mgd-lrs'].split(',').map(Number);
  if (lrs.some((lr) => !(lr > 0 && Number.isFinite(lr)))) throw new UsageError(`--mgd-lrs takes positive numbers separated by commas, got '${flags['mgd-lrs']}'`);
  const widths = flags.widths.split(',').map(Number);
  if (widths.some((w) => !(Number.isSafeInteger(w) && w > 0))) throw new UsageError(`--widths takes positive integers separated by commas, got '${flags.widths}'`);
  const out = flags.out ?? join('runs', `mgd-${study}-${timestamp()}`);
  const report = await runMgdExperiment(
    {
      study: study as MgdStudy,
      out,
      ...(flags.seeds !== undefined && { seeds: flags.seeds }),
      ...(flags.budget !== undefined && { budget: flags.budget }),
      dt: flags.dt,
      widths,
      mlpDataset: flags['mlp-dataset'],
      batchSize: flags['batch-size'],
      mgdLrs: lrs,
      bpLr: flags['bp-lr'],
    },
    (line) => console.log(line),
  );
  console.log(`\n${report.markdown}\nresults: ${out} (${report.charts.join(', ')}); a page of them: forwardprop report ${out}`);
  return 0;
}
