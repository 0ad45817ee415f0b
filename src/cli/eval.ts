import { DATASET_SPECS } from '../data/load.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { objectiveFromSpec } from '../objectives/objective.js';
import { formatPattern, maskDensity, maskedParams } from '../sparse/masks.js';
import type { Checkpoint } from '../train/checkpoint.js';
import { threadsFor } from '../engine/runtime/onnxruntime.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { type Evaluation, Evaluator } from '../train/evaluate.js';
import { checkpointSubnet, splitHoldout } from '../train/run-hooks.js';
import { runModelAndData } from '../train/run-model.js';
import { loadRunCheckpoint } from '../train/trainer.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';
import { parseClasses } from './train.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

export const evalCommand = {
  name: 'eval',
  positionals: '<run directory | checkpoint file | model.onnx>',
  summary: 'Evaluates a trained model (a run directory or its checkpoint file), or an ONNX file as it is (its own weights: the baseline before fine-tuning): loss and accuracy on the train and test splits.',
  flags: {
    dataset: { type: 'string', help: `evaluate on another dataset with the same shapes: ${DATASET_SPECS.join(' | ')} (default: the run's; mnist for an ONNX file)` },
    classes: { type: 'string', help: 'an ONNX file: evaluate on these classes only, e.g. 5-9 (a run uses its own)' },
    subnet: { type: 'integer', min: 0, help: 'evaluate sub-net k of a run trained with --subnets alone (θ ⊙ its mask)' },
    export: { type: 'string', help: 'also write the evaluated model (with --subnet, that sub-net alone) as a standalone ONNX file' },
    'batch-size': { type: 'integer', default: 1000, min: 1, help: 'examples per evaluation call' },
    threads: { type: 'integer', min: 1, max: MAX_THREADS, help: 'onnxruntime intra-op threads (default: the run\'s, else FORWARDPROP_THREADS or one per core); the numbers depend on them' },
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
  if (positionals.length !== 1) throw new UsageError('eval takes exactly one run directory, checkpoint file or ONNX file');
  const target = positionals[0]!;
  const onnxFile = target.endsWith('.onnx');
  if (flags.classes !== undefined && !onnxFile) throw new UsageError('--classes: a run is evaluated on the classes it trained on; --classes is for an ONNX file');
  if (onnxFile && flags.subnet !== undefined) throw new UsageError('--subnet: an ONNX file has no sub-nets; give a run trained with --subnets');
  // An ONNX file is evaluated with its own weights, as a run that has not taken a step; a
  // loss-only method in its config lets a file with ops the importer does not map load as a black box.
  const run = onnxFile ? undefined : await loadRunCheckpoint(target);
  const config: TrainConfig = run
    ? (run.config as unknown as TrainConfig)
    : { ...DEFAULT_CONFIG, model: `onnx:${target}`, method: 'spsa', ...(flags.classes !== undefined && { classes: parseClasses(flags.classes) }) };
  const dataset = flags.dataset ?? config.dataset;
  // The run's own thread count by default: onnxruntime's sums depend on it, and this reproduces the run's evaluations.
  const threads = threadsFor({ threads: flags.threads ?? config.threads });
  const compile = { device: flags.device, ...(threads !== undefined && { threads }) };
  // The run's model as it trained it (imported, adapted or a black box), from its config.
  const { model, data: loaded } = await runModelAndData(config, compile, () => {}, dataset);
  // The run's training examples: its held-out ones were never trained on.
  const data = { train: splitHoldout(loaded.train, config).train, test: loaded.test };
  const evaluator = new Evaluator(model.predictor, objectiveFromSpec(config.objective ?? 'cross-entropy'), compile);
  const start = performance.now();
  let train: Evaluation;
  let test: Evaluation;
  let sub: ReturnType<typeof subnet> | undefined;
  try {
    const theta = run?.params ?? model.init(0);
    if (dataset !== config.dataset && model.size !== theta.length) {
      // An nn model is built for the data's shape: another shape gives another model.
      throw new RangeError(`${dataset} does not fit the run's model: its examples are shaped [${loaded.train.inputShape.join(', ')}], and '${config.model}' built for them has ${model.size} parameters where the run (trained on ${config.dataset}) has ${theta.length}`);
    }
    model.check(theta, 'checkpoint parameters');
    sub = run === undefined || flags.subnet === undefined ? undefined : subnet(run, flags.subnet, target);
    const params = sub?.params ?? theta;
    if (flags.export !== undefined) await writeFileAtomic(flags.export, model.file(params), 'ONNX model');
    train = await evaluator.evaluate(params, data.train, flags['batch-size']);
    test = await evaluator.evaluate(params, data.test, flags['batch-size']);
  } finally {
    await Promise.all([evaluator.dispose(), model.dispose()]);
  }
  const result = {
    method: onnxFile ? 'none' : config.method,
    dataset,
    model: config.model,
    ...(sub && { subnet: flags.subnet, pattern: sub.pattern, density: maskDensity(sub.mask, maskedParams(model.layout, config.sparseParams)) }),
    epoch: run?.progress.epoch ?? 0,
    step: run?.progress.step ?? 0,
    train_loss: train.loss,
    train_acc: train.accuracy,
    test_loss: test.loss,
    test_acc: test.accuracy,
    eval_s: (performance.now() - start) / 1000,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...(threads !== undefined && { threads }),
  };
  const what = onnxFile ? `${target} (its own weights)` : sub ? `${config.method} ${config.model} sub-net ${flags.subnet} (${sub.pattern}, density ${(100 * result.density!).toFixed(2)}%)` : `${config.method} ${config.model}`;
  if (flags.json) console.log(JSON.stringify(result));
  else console.log(`${what} on ${dataset} (epoch ${result.epoch}, step ${result.step}): test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}), train accuracy ${(100 * train.accuracy).toFixed(2)}% (loss ${train.loss.toFixed(4)})`);
  if (flags.export !== undefined && !flags.json) console.log(`exported to ${flags.export}`);
  return 0;
}

/** Sub-net k of a run with sub-nets and θ ⊙ its mask (its pruned weights zero: the sub-net alone). UsageError for k out of range or a dense run. */
function subnet(checkpoint: Checkpoint, k: number, source: string): { readonly params: Float32Array; readonly mask: Float32Array; readonly pattern: string } {
  let chosen: ReturnType<typeof checkpointSubnet>;
  try {
    chosen = checkpointSubnet(checkpoint, k, source);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--subnet: ${e.message}`);
    throw e;
  }
  return { params: checkpoint.params.map((v, i) => v * chosen.mask[i]!), mask: chosen.mask, pattern: formatPattern(chosen.pattern) };
}
