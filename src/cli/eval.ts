import { DATASET_SPECS } from '../data/load.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import type { TrainConfig } from '../train/config.js';
import { type Evaluation, Evaluator } from '../train/evaluate.js';
import { runModelAndData } from '../train/run-model.js';
import { loadRunCheckpoint } from '../train/trainer.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const evalCommand = {
  name: 'eval',
  positionals: '<run directory | checkpoint file>',
  summary: 'Evaluates a trained model (a run directory or its checkpoint file): loss and accuracy on the train and test splits.',
  flags: {
    dataset: { type: 'string', help: `evaluate on another dataset with the same shapes: ${DATASET_SPECS.join(' | ')} (default: the run's)` },
    'batch-size': { type: 'integer', default: 1000, min: 1, help: 'examples per evaluation call' },
    threads: { type: 'integer', min: 1, help: 'onnxruntime intra-op threads' },
    device: { type: 'string', default: 'cpu', help: 'execution device' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
} as const satisfies Command;

export async function runEval(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(evalCommand, argv);
  if (flags.help) {
    console.log(usage(evalCommand));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('eval takes exactly one run directory or checkpoint file');
  const target = positionals[0]!;
  const checkpoint = await loadRunCheckpoint(target);
  const config = checkpoint.config as unknown as TrainConfig;
  const dataset = flags.dataset ?? config.dataset;
  const compile = { device: flags.device, ...(flags.threads !== undefined && { threads: flags.threads }) };
  // The run's model as it trained it (imported, adapted or a black box), from its config.
  const { model, data } = await runModelAndData(config, compile, () => {}, dataset);
  const evaluator = new Evaluator(model.predictor, objectiveFromSpec(config.objective ?? 'cross-entropy'), compile);
  const start = performance.now();
  let train: Evaluation;
  let test: Evaluation;
  try {
    model.check(checkpoint.params, 'checkpoint parameters');
    train = await evaluator.evaluate(checkpoint.params, data.train, flags['batch-size']);
    test = await evaluator.evaluate(checkpoint.params, data.test, flags['batch-size']);
  } finally {
    await Promise.all([evaluator.dispose(), model.dispose()]);
  }
  const result = {
    method: config.method,
    dataset,
    model: config.model,
    epoch: checkpoint.progress.epoch,
    step: checkpoint.progress.step,
    train_loss: train.loss,
    train_acc: train.accuracy,
    test_loss: test.loss,
    test_acc: test.accuracy,
    eval_s: (performance.now() - start) / 1000,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  if (flags.json) console.log(JSON.stringify(result));
  else console.log(`${config.method} ${config.model} on ${dataset} (epoch ${result.epoch}, step ${result.step}): test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}), train accuracy ${(100 * train.accuracy).toFixed(2)}% (loss ${train.loss.toFixed(4)})`);
  return 0;
}
