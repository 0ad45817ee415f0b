import { HostTensor } from '../engine/ir/host-tensor.js';
import { float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';

/** A model's forward pass at fixed parameters, compiled once: inputs [n, ...inputShape] → outputs [n, model.outputs]. */
export interface FrozenLogits {
  readonly outputs: number;
  logits(inputs: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Compiles `model` at θ for black boxes that need its raw outputs (attacks, metrics of its predictions). */
export async function frozenLogits(model: Model, theta: Float32Array): Promise<FrozenLogits> {
  const x = model.inputTensor();
  const params = model.paramInputs();
  const program = await compile({ inputs: [x, ...params], outputs: [model.forward(x, params).out] });
  const weights = model.paramFeeds(theta.slice());
  return {
    outputs: model.outputs,
    logits: async (inputs, n) => float32Output(await program.run({ x: new HostTensor('float32', [n, ...model.inputShape], inputs), ...weights }), 0),
    dispose: () => program.dispose(),
  };
}
