import { loadOnnx } from '../engine/onnx/load.js';
import { type AdaptOptions, adapt } from './adapt.js';
import { modelFromSpec } from './factories.js';
import type { Model } from './model.js';
import { onnxModel } from './onnx-model.js';

/** What to train of an imported model (see `adapt`). */
export type LoadModelOptions = AdaptOptions;

/** Whether `options` ask for any adaptation. */
export function isAdapting(options: LoadModelOptions): boolean {
  return options.trainable !== undefined || options.lora !== undefined || options.prompt !== undefined;
}

/**
 * Imports 'onnx:<file>' (its weights are `init()`'s values) and adapts it by
 * `options`, without looking at any data: what a run can check before it reads its
 * dataset. Throws RangeError for another spec, and the errors of `loadOnnx` (the file),
 * `onnxModel` (the graph) and `adapt` (AdaptError, naming the option).
 */
export async function importModel(spec: string, options: LoadModelOptions = {}): Promise<Model> {
  if (!spec.startsWith('onnx:')) throw new RangeError(`model '${spec}' is not an imported model (onnx:<file>)`);
  const model = onnxModel(await loadOnnx(spec.slice('onnx:'.length)), spec);
  return isAdapting(options) ? adapt(model, model.init(0), options) : model;
}

/**
 * Checks that data of examples shaped `inputShape` with `classes` classes fit a model
 * of `inputShape` and `outputs`: the same example shape, and at least one output per
 * class. `data` names the data in the message. Throws RangeError naming both.
 */
export function checkModelData(model: { readonly spec: string; readonly inputShape: readonly number[]; readonly outputs: number }, inputShape: readonly number[], classes: number, data?: string): void {
  const takes = model.inputShape;
  const whose = data === undefined ? "the data's" : `the data's (${data})`;
  if (takes.length !== inputShape.length || takes.some((d, i) => d !== inputShape[i])) {
    throw new RangeError(`model '${model.spec}' takes examples shaped [${takes.join(', ')}], but ${whose} are [${inputShape.join(', ')}]`);
  }
  if (model.outputs < classes) throw new RangeError(`model '${model.spec}' has ${model.outputs} outputs, fewer than ${whose} ${classes} classes`);
}

/**
 * A model for a spec: 'onnx:<file>' imports the file (its weights are `init()`'s
 * values), adapted by `options` (trainable globs, LoRA, prompt); any other spec goes
 * to `modelFromSpec`. `inputShape` and `classes` are the data's: an imported model
 * must take that shape and have at least that many outputs.
 * Throws RangeError when the data does not fit the model or options are given for a
 * model that is not imported, and the errors of `importModel`.
 */
export async function loadModel(spec: string, inputShape: readonly number[], classes: number, options: LoadModelOptions = {}): Promise<Model> {
  if (!spec.startsWith('onnx:')) {
    if (isAdapting(options)) throw new RangeError(`trainable globs, LoRA and prompts need pretrained weights: use an onnx:<file> model, or adapt() a model with the parameters of a checkpoint (model '${spec}')`);
    return modelFromSpec(spec, inputShape, classes);
  }
  const model = await importModel(spec, options);
  checkModelData(model, inputShape, classes);
  return model;
}
