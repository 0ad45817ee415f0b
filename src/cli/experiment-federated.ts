import { join } from 'node:path';
import { DATASET_SPECS } from '../data/load.js';
import { runAttackStudy } from '../experiments/federated-attack.js';
import { METRICS, type Metric, runMetricStudy } from '../experiments/federated-metric.js';
import { runQuadraticStudy } from '../experiments/federated-quadratic.js';
import { ZORD_FUNCTIONS, ZORD_METHODS, runZordStudy } from '../experiments/zord.js';
import { FEDERATED_ALGORITHM_NAMES, type FederatedAlgorithmName } from '../federated/algorithms.js';
import { RESULT_FILE } from '../report/result.js';
import { type Command, type FlagSpecs, UsageError, parseFlagsOnly } from './args.js';
import { timestamp } from './progress.js';

const common = {
  seed: { type: 'integer', default: 0, min: 0, help: 'seed' },
  out: { type: 'string', help: 'experiment directory (default: runs/federated-<study>-<time>)' },
} as const satisfies FlagSpecs;

const federatedFlags = {
  'local-steps': { type: 'integer', default: 10, min: 1, help: 'local steps T per round' },
  rounds: { type: 'integer', default: 50, min: 1, help: 'rounds R' },
  algorithms: { type: 'string', default: FEDERATED_ALGORITHM_NAMES.join(','), help: 'algorithms, comma-separated' },
  features: { type: 'integer', default: 10_000, min: 1, help: 'fzoos: random features M' },
  restarts: { type: 'integer', default: 5, min: 0, help: 'fzoos: GP likelihood restarts per refit' },
  'refit-every': { type: 'integer', default: 1, min: 1, help: 'fzoos: refit the GP hyperparameters every this many local steps' },
  neighbours: { type: 'integer', default: 150, min: 2, help: 'fzoos: the local GP is fitted on this many nearest queries' },
} as const satisfies FlagSpecs;

const STUDIES = {
  quadratic: {
    name: 'experiment federated quadratic',
    summary: `FZooS's heterogeneous quadratic (App. 12.1): global F against rounds and queries for every algorithm and each heterogeneity C; the target: FZooS reaches FedZO's final F within half the rounds at the largest C.
Writes <out>/${RESULT_FILE}, quadratic.md, quadratic.json and quadratic-<k>.svg.`,
    flags: {
      dimension: { type: 'integer', default: 300, min: 1, help: 'dimension d' },
      clients: { type: 'integer', default: 5, min: 2, help: 'clients N' },
      heterogeneities: { type: 'string', default: '0.5,5,50', help: 'values of C, comma-separated' },
      acceptance: { type: 'string', default: 'always', choices: ['always', 'global-loss'], help: 'server acceptance of a round (global-loss: counted queries)' },
      ...federatedFlags,
      ...common,
    },
  },
  attack: {
    name: 'experiment federated attack',
    summary: `Federated black-box attack: N MNIST classifiers trained here on overlapping class subsets are the clients; success rate of a perturbation within ±bound against queries.
Writes <out>/${RESULT_FILE}, attack.md, attack.json and attack-<k>.svg.`,
    flags: {
      models: { type: 'integer', default: 3, min: 2, help: 'classifiers N (one per client)' },
      model: { type: 'string', default: 'mlp:784-64-10', help: 'each classifier' },
      'classes-per-model': { type: 'integer', default: 7, min: 1, help: 'classes each classifier is trained on' },
      'pretrain-steps': { type: 'integer', default: 300, min: 1, help: 'backprop steps per classifier' },
      images: { type: 'integer', default: 3, min: 1, help: 'test images attacked' },
      bound: { type: 'number', default: 0.3, min: 0, help: 'perturbation bound' },
      ...federatedFlags,
      ...common,
    },
  },
  metric: {
    name: 'experiment federated metric',
    summary: `Federated metric optimisation: the last layer of a small MLP tuned to minimise 1 − a macro metric (not differentiable) on each client's shard.
Writes <out>/${RESULT_FILE}, metric.md, metric.json and metric-<k>.svg.`,
    flags: {
      dataset: { type: 'string', default: 'mnist', help: `classification data (${DATASET_SPECS.join(' | ')})` },
      hidden: { type: 'string', default: '32', help: 'hidden widths of the MLP, comma-separated' },
      'pretrain-steps': { type: 'integer', default: 100, min: 1, help: 'backprop steps before tuning' },
      clients: { type: 'integer', default: 5, min: 2, help: 'clients N' },
      'examples-per-client': { type: 'integer', default: 400, min: 1, help: 'training examples per client' },
      metric: { type: 'string', default: 'f1', choices: METRICS, help: 'the metric' },
      bound: { type: 'number', default: 0.2, min: 0, help: 'the last layer moves within ±bound' },
      ...federatedFlags,
      ...common,
    },
  },
  zord: {
    name: 'experiment federated zord',
    summary: `ZoRD's synthetic study: the surrogate estimator against spsa, rgf and prgf on Ackley and Levy, loss against queries at one budget; the target: the surrogate reaches spsa's final loss within half its queries on Ackley, d = 10.
Writes <out>/${RESULT_FILE}, zord.md, zord.json and zord-<k>.svg.`,
    flags: {
      functions: { type: 'string', default: Object.keys(ZORD_FUNCTIONS).join(','), help: 'functions, comma-separated' },
      dimensions: { type: 'string', default: '10,20', help: 'dimensions, comma-separated' },
      methods: { type: 'string', default: ZORD_METHODS.join(','), help: 'methods, comma-separated' },
      budget: { type: 'integer', default: 500, min: 1, help: 'queries per method' },
      lr: { type: 'number', default: 0.03, min: 0, help: 'Adam learning rate (search box [0, 10]^d)' },
      restarts: { type: 'integer', default: 0, min: 0, help: 'surrogate: likelihood restarts per refit' },
      'refit-every': { type: 'integer', default: 1, min: 1, help: 'surrogate: refit every this many query steps' },
      ...common,
    },
  },
} as const satisfies Record<string, Command>;

export const federatedExperimentCommand = {
  summary: `Federated zeroth-order studies (FZooS) and ZoRD's surrogate study: ${Object.keys(STUDIES).join(', ')}.`,
};

/** `forwardprop experiment federated <study> [flags]`. */
export async function runFederatedExperiment(argv: readonly string[]): Promise<number> {
  const [study, ...rest] = argv;
  if (study === '--help' || study === '-h') {
    console.log([`Usage: forwardprop experiment federated <study> [flags]`, '', federatedExperimentCommand.summary, '', ...Object.entries(STUDIES).map(([name, c]) => `  ${name.padEnd(10)}${c.summary.split('\n')[0]}`)].join('\n'));
    return 0;
  }
  if (study === undefined || !Object.hasOwn(STUDIES, study)) throw new UsageError(`experiment federated takes a study: ${Object.keys(STUDIES).join(', ')}${study ? `; got '${study}'` : ''}`);
  const command = STUDIES[study as keyof typeof STUDIES];
  const parsed = parseFlagsOnly(command as Command, rest);
  if (!parsed) return 0;
  const flags = parsed.flags as Record<string, string | number | undefined>;
  const out = (flags.out as string | undefined) ?? join('runs', `federated-${study}-${timestamp()}`);
  const log = (line: string) => console.log(line);
  const federated = () => ({
    localSteps: flags['local-steps'] as number,
    rounds: flags.rounds as number,
    algorithms: list('algorithms', flags.algorithms as string, FEDERATED_ALGORITHM_NAMES) as FederatedAlgorithmName[],
    features: flags.features as number,
    restarts: flags.restarts as number,
    refitEvery: flags['refit-every'] as number,
    neighbours: flags.neighbours as number,
    seed: flags.seed as number,
  });
  let markdown: string;
  switch (study) {
    case 'quadratic':
      ({ markdown } = await runQuadraticStudy({ out, dimension: flags.dimension as number, clients: flags.clients as number, heterogeneities: numbers('heterogeneities', flags.heterogeneities as string), acceptance: flags.acceptance as 'always' | 'global-loss', ...federated() }, log));
      break;
    case 'attack':
      ({ markdown } = await runAttackStudy({ out, models: flags.models as number, model: flags.model as string, classesPerModel: flags['classes-per-model'] as number, pretrainSteps: flags['pretrain-steps'] as number, images: flags.images as number, bound: flags.bound as number, ...federated() }, log));
      break;
    case 'metric':
      ({ markdown } = await runMetricStudy({ out, dataset: flags.dataset as string, hidden: numbers('hidden', flags.hidden as string), pretrainSteps: flags['pretrain-steps'] as number, clients: flags.clients as number, examplesPerClient: flags['examples-per-client'] as number, metric: flags.metric as Metric, bound: flags.bound as number, ...federated() }, log));
      break;
    default:
      ({ markdown } = await runZordStudy(
        {
          out,
          functions: list('functions', flags.functions as string, Object.keys(ZORD_FUNCTIONS)) as (keyof typeof ZORD_FUNCTIONS)[],
          dimensions: numbers('dimensions', flags.dimensions as string),
          methods: list('methods', flags.methods as string, ZORD_METHODS) as (typeof ZORD_METHODS)[number][],
          budget: flags.budget as number,
          lr: flags.lr as number,
          restarts: flags.restarts as number,
          refitEvery: flags['refit-every'] as number,
          seed: flags.seed as number,
        },
        log,
      ));
  }
  console.log(`\n${markdown}\nresults: ${out}; a page of them: forwardprop report ${out}`);
  return 0;
}

function list(flag: string, text: string, valid: readonly string[]): string[] {
  const items = text.split(',').map((s) => s.trim());
  const bad = items.find((s) => !valid.includes(s));
  if (bad !== undefined) throw new UsageError(`--${flag}: unknown '${bad}'; valid: ${valid.join(', ')}`);
  return items;
}

function numbers(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new UsageError(`--${flag} must be comma-separated numbers ≥ 0, got '${text}'`);
  return values;
}
