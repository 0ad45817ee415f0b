import { UsageError } from './args.js';
import { allocationCommand, runAllocation } from './experiment-allocation.js';
import { federatedExperimentCommand, runFederatedExperiment } from './experiment-federated.js';
import { astCommand, runAst } from './experiment-ast.js';
import { exploreCommand, runExplore } from './experiment-explore.js';
import { landscapeExperimentCommand, runLandscapeComparison } from './experiment-landscape.js';
import { finetuneCommand, runFinetune } from './experiment-finetune.js';
import { localLossesCommand, runLocalLosses } from './experiment-local-losses.js';
import { mgdCommand, runMgd } from './experiment-mgd.js';
import { promptCommand, runPrompt } from './experiment-prompt.js';

/** The experiments, each a command of its own (`forwardprop experiment <name> --help`). */
const EXPERIMENTS = {
  'local-losses': { summary: localLossesCommand.summary.split('\n')[0]!, run: runLocalLosses },
  allocation: { summary: allocationCommand.summary.split('\n')[0]!, run: runAllocation },
  finetune: { summary: finetuneCommand.summary.split('\n')[0]!, run: runFinetune },
  prompt: { summary: promptCommand.summary.split('\n')[0]!, run: runPrompt },
  federated: { summary: federatedExperimentCommand.summary, run: runFederatedExperiment },
  ast: { summary: astCommand.summary.split('\n')[0]!, run: runAst },
  explore: { summary: exploreCommand.summary.split('\n')[0]!, run: runExplore },
  landscape: { summary: landscapeExperimentCommand.summary.split('\n')[0]!, run: runLandscapeComparison },
  mgd: { summary: mgdCommand.summary.split('\n')[0]!, run: runMgd },
} as const;

export const experimentSummary = 'Runs an experiment (local-losses, allocation, finetune, prompt, federated, ast, explore, landscape, mgd) and writes its results as JSON and markdown.';

function help(): string {
  const width = Math.max(...Object.keys(EXPERIMENTS).map((n) => n.length)) + 2;
  return [
    'Usage: forwardprop experiment <name> [flags]',
    '',
    experimentSummary,
    '',
    'Experiments:',
    ...Object.entries(EXPERIMENTS).map(([name, e]) => `  ${name.padEnd(width)}${e.summary}`),
    '',
    "Run 'forwardprop experiment <name> --help' for its flags.",
  ].join('\n');
}

export async function runExperiment(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    console.log(help());
    return 0;
  }
  if (name === undefined || !Object.hasOwn(EXPERIMENTS, name)) {
    throw new UsageError(`experiment takes the experiment to run: ${Object.keys(EXPERIMENTS).join(', ')}${name ? `; got '${name}'` : ''}`);
  }
  return EXPERIMENTS[name as keyof typeof EXPERIMENTS].run(rest);
}
