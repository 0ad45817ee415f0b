import { loadOnnx } from '../engine/onnx/load.js';
import { type AdaptOptions, adapt } from './adapt.js';
import { modelFromSpec } from './factories.js';
import type { Model } from './model.js';
import { onnxModel } from './onnx-model.js';

/** What to train of an imported model (see `adapt`). */
export type LoadModelOptions = AdaptOptions;

/**
 * A model for a spec: 'onnx:<file>' imports the file (its weights are `init()`'s
 * values), adapted by `options` (trainable globs, LoRA, prompt); any other spec goes
 * to `modelFromSpec`. `inputShape` and `classes` are the data's: an imported model
 * must take that shape and have at least that many outputs.
 * Throws RangeError when the data does not fit the model or options are given for a
 * model that is not imported, and the errors of `loadOnnx`, `onnxModel` and `adapt`.
 */
export async function loadModel(spec: string, inputShape: readonly number[], classes: number, options: LoadModelOptions = {}): Promise<Model> {
  const adapting = options.trainable !== undefined || options.lora !== undefined || options.prompt !== undefined;
  if (!spec.startsWith('onnx:')) {
    if (adapting) throw new RangeError(`trainable globs, LoRA and prompts need pretrained weights: use an onnx:<file> model, or adapt() a model with the parameters of a checkpoint (model '${spec}')`);
    return modelFromSpec(spec, inputShape, classes);
  }
  const model = onnxModel(await loadOnnx(spec.slice('onnx:'.length)), spec);
  const takes = model.inputShape;
  if (takes.length !== inputShape.length || takes.some((d, i) => d !== inputShape[i])) {
    throw new RangeError(`model '${spec}' takes examples shaped [${takes.join(', ')}], but the data's are [${inputShape.join(', ')}]`);
  }
  if (model.outputs < classes) throw new RangeError(`model '${spec}' has ${model.outputs} outputs, fewer than the data's ${classes} classes`);
  return adapting ? adapt(model, model.init(0), options) : model;
}
