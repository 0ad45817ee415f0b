#!/usr/bin/env node
import { ThreadsVariableError } from '../engine/runtime/backend.js';
import { UsageError } from './args.js';
import { benchCommand, runBench } from './bench.js';
import { evalCommand, runEval } from './eval.js';
import { experimentSummary, runExperiment } from './experiment.js';
import { exportCommand, runExport } from './export.js';
import { federatedCommand, runFederatedCommand } from './federated.js';
import { inspectCommand, runInspect } from './inspect.js';
import { landscapeCommand, runLandscape } from './landscape.js';
import { reportCommand, runReport } from './report.js';
import { runTrain, trainCommand } from './train.js';
import { runWorker, workerCommand } from './worker.js';

const COMMANDS = {
  train: { summary: trainCommand.summary.split('\n')[0]!, run: runTrain },
  eval: { summary: evalCommand.summary, run: runEval },
  export: { summary: exportCommand.summary.split('\n')[0]!, run: runExport },
  bench: { summary: benchCommand.summary.split('\n')[0]!, run: runBench },
  experiment: { summary: experimentSummary, run: runExperiment },
  federated: { summary: federatedCommand.summary.split('\n')[0]!, run: runFederatedCommand },
  landscape: { summary: landscapeCommand.summary.split(':')[0]!, run: runLandscape },
  report: { summary: reportCommand.summary.split('\n')[0]!, run: runReport },
  inspect: { summary: inspectCommand.summary.split(':')[0]!, run: runInspect },
  worker: { summary: workerCommand.summary.split(':')[0]!, run: runWorker },
} as const;

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return ['Usage: forwardprop <command> [flags]', '', 'Train neural networks with forward passes only.', '', 'Commands:', ...rows, '', "Run 'forwardprop <command> --help' for a command's flags."].join('\n');
}

/** Exit codes: 0 success, 1 failure (bad data, NaN loss, …), 2 usage error. */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    console.error(`forwardprop: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    return await COMMANDS[name as keyof typeof COMMANDS].run(rest);
  } catch (e) {
    // A bad FORWARDPROP_THREADS is a usage error too, found where a default count is needed.
    if (e instanceof UsageError || e instanceof ThreadsVariableError) {
      console.error(`forwardprop ${name}: ${e.message}\nRun 'forwardprop ${name} --help' for usage.`);
      return 2;
    }
    console.error(`forwardprop ${name}: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.FORWARDPROP_DEBUG && e instanceof Error) console.error(e.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
