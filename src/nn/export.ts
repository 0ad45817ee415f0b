import { exportOnnx } from '../engine/onnx/export.js';
import type { Model } from './model.js';

/**
 * A standalone ONNX file computing `model` with parameters `theta`: input 'x'
 * [batch, ...inputShape], output 'out0' [batch, outputs], the weights baked in as
 * initializers, the batch size dynamic. Any onnxruntime runs it without forwardprop.
 */
export function exportModel(model: Model, theta: Float32Array): Uint8Array {
  model.layout.check(theta);
  const x = model.inputTensor('x');
  const params = model.paramInputs();
  const { out } = model.forward(x, params);
  const weights = Object.fromEntries(model.layout.entries.map((e) => [e.name, model.layout.view(theta, e.name)]));
  return exportOnnx({ inputs: [x, ...params], outputs: [out] }, weights);
}
