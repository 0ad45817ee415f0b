import { join } from 'node:path';
import type { Statistics } from '../allocators/allocator.js';
import { ALLOCATORS } from '../allocators/registry.js';
import { DATASET_SPECS } from '../data/load.js';
import { ALLOCATION_JSON, ALLOCATION_MD, ALLOCATION_SVG, runAllocationExperiment } from '../experiments/allocation.js';
import { RESULT_FILE } from '../report/result.js';
import { type Command, UsageError, parseFlagsOnly } from './args.js';
import { timestamp } from './progress.js';

export const allocationCommand = {
  name: 'experiment allocation',
  summary: `Query allocation (FLOPS): gradient-estimate error per estimator and allocator at equal budgets, and accuracy against queries.
Writes <out>/${ALLOCATION_JSON}, ${ALLOCATION_MD}, ${ALLOCATION_SVG} (the curves) and ${RESULT_FILE} (for forwardprop report), and one training run per allocator.`,
  flags: {
    dataset: { type: 'string', default: 'fashion-mnist', help: `data: ${DATASET_SPECS.join(' | ')}` },
    model: { type: 'string', default: 'mlp:784-256-256-10', help: 'model' },
    estimators: { type: 'string', default: 'lr,fg-a,spsa,fg-w', help: 'estimators in the error table, comma-separated' },
    allocators: { type: 'string', default: Object.keys(ALLOCATORS).join(','), help: 'allocators, comma-separated (uniform is the reference)' },
    statistics: { type: 'string', default: 'running,fresh', help: "where the allocators read per-example statistics: running (earlier visits), fresh (a pilot at each step's θ), or both" },
    'queries-per-example': { type: 'number', default: 8, min: 2, help: 'average queries per example per step, for every allocator' },
    'batch-size': { type: 'integer', default: 64, min: 1, help: 'examples per step' },
    'pretrain-steps': { type: 'integer', default: 300, min: 0, help: 'backprop steps before measuring the error (uneven difficulty)' },
    warmup: { type: 'integer', default: 30, min: 0, help: 'visits of the measured batch before measuring (what running statistics learn from)' },
    repetitions: { type: 'integer', default: 60, min: 1, help: 'estimates per error measurement' },
    'curve-method': { type: 'string', default: 'fg-a', choices: ['fg-a', 'lr', 'spsa', 'fg-w', 'none'], help: 'the estimator trained for the accuracy curves (none: skip them)' },
    epochs: { type: 'integer', default: 3, min: 1, help: 'epochs of each curve run' },
    'eval-every': { type: 'integer', default: 100, min: 1, help: 'steps between the test evaluations of a curve' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
    out: { type: 'string', help: 'experiment directory (default: runs/allocation-<time>)' },
  },
} as const satisfies Command;

/** The allocators of a comma-separated --allocators value; a UsageError names an unknown one. */
export function allocatorList(text: string): string[] {
  const names = text.split(',');
  const unknown = names.find((a) => !Object.hasOwn(ALLOCATORS, a));
  if (unknown !== undefined) throw new UsageError(`--allocators: unknown allocator '${unknown}'; allocators: ${Object.keys(ALLOCATORS).join(', ')}`);
  return names;
}

export async function runAllocation(argv: readonly string[]): Promise<number> {
  const parsed = parseFlagsOnly(allocationCommand, argv);
  if (!parsed) return 0;
  const { flags } = parsed;
  const allocators = allocatorList(flags.allocators);
  const statistics = flags.statistics.split(',');
  const bad = statistics.find((s) => s !== 'running' && s !== 'fresh');
  if (bad !== undefined || statistics.length === 0) throw new UsageError(`--statistics takes running, fresh or running,fresh; got '${flags.statistics}'`);
  const out = flags.out ?? join('runs', `allocation-${timestamp()}`);
  const report = await runAllocationExperiment(
    {
      dataset: flags.dataset,
      model: flags.model,
      out,
      estimators: flags.estimators.split(','),
      allocators,
      statistics: statistics as Statistics[],
      queriesPerExample: flags['queries-per-example'],
      batchSize: flags['batch-size'],
      pretrainSteps: flags['pretrain-steps'],
      warmup: flags.warmup,
      repetitions: flags.repetitions,
      curveMethod: flags['curve-method'],
      epochs: flags.epochs,
      evalEvery: flags['eval-every'],
      seed: flags.seed,
    },
    (line) => console.log(line),
  );
  console.log(`\n${report.markdown}\nresults: ${join(out, ALLOCATION_JSON)}, ${join(out, ALLOCATION_MD)}; a page of them: forwardprop report ${out}`);
  return 0;
}
