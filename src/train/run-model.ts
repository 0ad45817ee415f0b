import { unsupportedNodes } from '../engine/onnx/import.js';
import { loadOnnx } from '../engine/onnx/load.js';
import type { CompileOptions } from '../engine/runtime/backend.js';
import { descriptor } from '../estimators/registry.js';
import { AdaptError, AdaptedModel, adapt } from '../nn/adapt.js';
import { exportModel } from '../nn/export.js';
import { checkModelData, isAdapting } from '../nn/load-model.js';
import type { Model } from '../nn/model.js';
import type { ParamLayout } from '../nn/params.js';
import { OnnxBlackBox } from '../nn/onnx-black-box.js';
import { exportOnnxFile, onnxModel } from '../nn/onnx-model.js';
import type { OutputFunction } from '../objectives/output-oracle.js';
import type { Seed } from '../rng/stream.js';
import { type AnyDataset, type DatasetSplit, withClasses } from '../data/dataset.js';
import { loadDataset, parseDatasetSpec } from '../data/load.js';
import { normalizeSplit } from '../data/normalize.js';
import { modelFromSpec } from '../nn/factories.js';
import type { TrainConfig } from './config.js';
import { lossOnlyMethods } from './validate-adapt.js';
import { ConfigError } from './validate.js';

/**
 * The model a run trains, built from its config alone, so a resumed run, `eval` and
 * `export` rebuild the same one: a graph (nn's, or an imported file, maybe adapted) or
 * an ONNX file seen only through its outputs (black box: no graph, loss-only methods).
 */
export interface RunModel {
  readonly spec: string;
  readonly inputShape: readonly number[];
  readonly outputs: number;
  /** θ's parameters by name (a black box's are the file's initializers it feeds). */
  readonly layout: ParamLayout;
  /** Length of θ. */
  readonly size: number;
  /** The graph, for estimators that build programs on it; absent for a black box. */
  readonly graph?: Model;
  /** A black box's outputs, for its loss oracle; absent for a graph. */
  readonly blackBox?: OutputFunction;
  /** What evaluation and loss oracles run: the graph, or the black box's outputs. */
  readonly predictor: Model | OutputFunction;
  /** Initial θ: drawn from `seed`, or the file's weights for an imported model (adapters and prompts drawn). */
  init(seed: Seed): Float32Array;
  /** Throws RangeError when θ is not a parameter vector of this model (`what` names it). */
  check(theta: Float32Array, what: string): void;
  describe(): string;
  /**
   * The trained model as one ONNX file: for an imported model its original file with the
   * trained tensors written in and LoRA merged (W + (α/r) B A); a prompt-tuned graph is
   * lowered by forwardprop; a black box's file carries its input prompt as an Add.
   */
  file(theta: Float32Array): Uint8Array;
  dispose(): Promise<void>;
}

/** A graph model as a run's model. */
export function graphRunModel(model: Model): RunModel {
  return {
    spec: model.spec,
    inputShape: model.inputShape,
    outputs: model.outputs,
    layout: model.layout,
    size: model.layout.size,
    graph: model,
    predictor: model,
    init: (seed) => model.init(seed),
    check: (theta, what) => model.layout.check(theta, what),
    describe: () => model.describe(),
    file: (theta) => {
      if (!(model instanceof AdaptedModel)) return exportOnnxFile(model, theta);
      return model.prompted ? exportModel(model, theta) : exportOnnxFile(model.base, model.merge(theta));
    },
    dispose: async () => {},
  };
}

/** A black box as a run's model. */
function blackBoxRunModel(box: OnnxBlackBox): RunModel {
  return {
    spec: box.spec,
    inputShape: box.inputShape,
    outputs: box.outputs,
    layout: box.layout,
    size: box.size,
    blackBox: box,
    predictor: box,
    init: () => box.init(),
    check: (theta, what) => box.layout.check(theta, what),
    describe: () => box.describe(),
    file: (theta) => box.file(theta),
    dispose: () => box.dispose(),
  };
}

/** Runs `make`, turning an AdaptError into a ConfigError for the option's key. */
async function blameConfig<T>(make: () => T | Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (e) {
    throw e instanceof AdaptError ? new ConfigError(e.option, e.message) : e;
  }
}

/**
 * The model of a run on 'onnx:<file>', imported before any data is read; undefined for
 * other specs (nn builds them from the data's shape). The file trains as a black box
 * when `blackBox` is set or the importer does not map some of its ops (then only
 * loss-only methods apply, and `log` says why). Throws ConfigError naming the key for
 * adaptations the file cannot take (a glob that matches nothing, LoRA on a non-matrix,
 * prompt tokens without a token sequence, a graph method, sub-nets or exploration on a
 * black box), and Error naming the file for files that cannot be read or imported.
 */
export async function importRunModel(config: TrainConfig, compile: CompileOptions = {}, log: (line: string) => void = () => {}): Promise<RunModel | undefined> {
  if (!config.model.startsWith('onnx:')) return undefined;
  const path = config.model.slice('onnx:'.length);
  const graph = await loadOnnx(path);
  const unmapped = unsupportedNodes(graph);
  if (config.blackBox || unmapped.length > 0) {
    if (unmapped.length > 0) {
      const why = `${path}: the importer does not map ${unmapped.length} node${unmapped.length > 1 ? 's' : ''} (${unmapped.slice(0, 3).map((n) => `'${n.name}' (${n.opType})`).join(', ')}${unmapped.length > 3 ? ', …' : ''})`;
      if (descriptor(config.method).needs !== 'losses') throw new ConfigError('method', `${why}, so the file trains as a black box, through its outputs: use a loss-only method (${lossOnlyMethods().join(', ')}), not ${config.method}`);
      if (config.lora !== undefined) throw new ConfigError('lora', `${why}, so the file trains as a black box: LoRA needs the model graph`);
      if (config.prompt?.tokens !== undefined) throw new ConfigError('prompt', `${why}, so the file trains as a black box: prompt tokens need the model graph (a visual prompt works: border=<pixels>)`);
      if (config.subnets !== undefined) throw new ConfigError('subnets', `${why}, so the file trains as a black box: sub-nets need the model graph`);
      if (config.explore !== undefined) throw new ConfigError('explore', `${why}, so the file trains as a black box: exploration needs the model graph`);
      log(`${why}: training it as a black box (onnxruntime runs the file)`);
    }
    const box = await blameConfig(() =>
      OnnxBlackBox.create(graph, config.model, { ...(config.trainable !== undefined && { trainable: config.trainable }), ...(config.prompt && { prompt: config.prompt }), compile }),
    );
    return blackBoxRunModel(box);
  }
  const model = onnxModel(graph, config.model);
  const options = { ...(config.trainable !== undefined && { trainable: config.trainable }), ...(config.lora && { lora: config.lora }), ...(config.prompt && { prompt: config.prompt }) };
  return graphRunModel(isAdapting(options) ? await blameConfig(() => adapt(model, model.init(0), options)) : model);
}

/**
 * Checks that a dataset (examples `inputShape`, `outputs` classes or target values)
 * fits the run's model; throws RangeError naming the model, the dataset and both shapes.
 */
export function checkRunData(run: RunModel, dataset: string, inputShape: readonly number[], outputs: number): void {
  checkModelData(run, inputShape, outputs, dataset);
}

/** The run's train and test splits (classification or regression, as the spec says), restricted to `classes` when given. */
export async function trainingData(config: Pick<TrainConfig, 'dataset' | 'classes' | 'seed' | 'normalize'>): Promise<DatasetSplit<AnyDataset>> {
  const options = { task: parseDatasetSpec(config.dataset).task, ...(config.dataset.startsWith('csv:') && { seed: config.seed }) };
  const loaded = await loadDataset(config.dataset, options);
  const classes = config.classes;
  const keep = (d: AnyDataset) => {
    if (d.task === 'regression') throw new RangeError('classes select classes of a classification dataset');
    return withClasses(d, classes!);
  };
  const data: DatasetSplit<AnyDataset> = classes ? { train: keep(loaded.train), test: keep(loaded.test) } : loaded;
  // Statistics of the examples trained on (after the class selection), applied to both splits.
  return config.normalize ? normalizeSplit(data) : data;
}

/** Model outputs a dataset needs: one per class, or one per target value. */
export function outputsFor(dataset: AnyDataset): number {
  return dataset.task === 'regression' ? Math.max(1, dataset.targetShape.reduce((a, b) => a * b, 1)) : dataset.classes;
}

/**
 * A run's model and data: an imported model is read first (so what the file cannot take
 * fails before any data is read), then the data — `dataset` when given, else the run's —
 * which must fit it; an nn model is built for the data. The model is released when the
 * data fails. Throws the errors of `importRunModel`, `trainingData` and `checkRunData`.
 */
export async function runModelAndData(config: TrainConfig, compile: CompileOptions = {}, log: (line: string) => void = () => {}, dataset = config.dataset): Promise<{ model: RunModel; data: DatasetSplit<AnyDataset> }> {
  const imported = await importRunModel(config, compile, log);
  try {
    const data = await trainingData({ ...config, dataset });
    const outputs = outputsFor(data.train);
    if (imported === undefined) return { model: graphRunModel(modelFromSpec(config.model, data.train.inputShape, outputs)), data };
    checkRunData(imported, dataset, data.train.inputShape, outputs);
    return { model: imported, data };
  } catch (e) {
    await imported?.dispose();
    throw e;
  }
}
