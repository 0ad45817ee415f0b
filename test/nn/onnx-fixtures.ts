import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withClasses } from '../../src/data/dataset.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import type { Batch } from '../../src/data/batches.js';
import { compile } from '../../src/engine/runtime/compile.js';
import type { Model } from '../../src/nn/model.js';
import { adam, sgd } from '../../src/optim/aliases.js';
import { initTrainState, trainStep } from '../../src/train/step.js';
import { estimateOnce, make } from '../estimators/fixtures.js';
import { assertAllClose } from '../helpers.js';

/** The foreign models copied into the repository (see test/fixtures/models/README.md). */
export const MODELS = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
export const FOREIGN = ['mlp', 'cnn-bn', 'vit-tiny'] as const;

export interface Manifest {
  readonly [name: string]: { readonly file: string; readonly opset: number; readonly probe_logits: readonly (readonly number[])[] };
}

export const manifest = (): Manifest => JSON.parse(readFileSync(`${MODELS}manifest.json`, 'utf8')) as Manifest;

/** Fashion-MNIST restricted to some classes (labels kept: 10 classes). */
export async function fashion(classes: readonly number[]): Promise<{ train: Dataset; test: Dataset }> {
  const { train, test } = await loadFashionMnist();
  return { train: withClasses(train, classes), test: withClasses(test, classes) };
}

/** Examples [start, start + count) of a dataset as a batch. */
export function batchOf(data: Dataset, start: number, count: number): Batch {
  const features = data.inputShape.reduce((a, b) => a * b, 1);
  return {
    x: new HostTensor('float32', [count, ...data.inputShape], data.x.slice(start * features, (start + count) * features)),
    y: new HostTensor('int64', [count], BigInt64Array.from(data.y.subarray(start, start + count), BigInt)),
  };
}

/** The model's outputs for x [batch, ...inputShape] at θ. */
export async function outputs(model: Model, theta: Float32Array, x: HostTensor): Promise<Float32Array> {
  const xin = model.inputTensor();
  const params = model.paramInputs();
  const run = await compile({ inputs: [xin, ...params], outputs: [model.forward(xin, params).out] });
  const feeds: Record<string, HostTensor | Float32Array> = { x };
  for (const e of model.layout.entries) feeds[e.name] = model.layout.view(theta, e.name);
  return (await run.run(feeds))[0]!.data as Float32Array;
}

/**
 * Asserts that parameter vectors stacked on a copy axis (lead = 1, what spsa, fg-w and
 * cge rely on) give, copy by copy, the outputs of each vector alone.
 */
export async function assertCopies(model: Model, thetas: readonly Float32Array[], x: HostTensor): Promise<void> {
  const xin = model.inputTensor();
  const params = model.paramInputs([thetas.length]);
  const run = await compile({ inputs: [xin, ...params], outputs: [model.forward(xin, params, { lead: 1 }).out] });
  const feeds: Record<string, HostTensor | Float32Array> = { x };
  for (const e of model.layout.entries) {
    const stacked = new Float32Array(thetas.length * e.size);
    thetas.forEach((theta, k) => stacked.set(model.layout.view(theta, e.name), k * e.size));
    feeds[e.name] = stacked;
  }
  const [all] = await run.run(feeds);
  assert.deepEqual(all!.shape, [thetas.length, x.shape[0], model.outputs]);
  const size = all!.data.length / thetas.length;
  for (const [k, theta] of thetas.entries()) {
    assertAllClose((all!.data as Float32Array).subarray(k * size, (k + 1) * size), await outputs(model, theta, x), { rtol: 1e-5, atol: 1e-5, what: `${model.spec} copy ${k}` });
  }
}

/**
 * `steps` training steps of `method` (backprop with Adam by default; SGD for the
 * forward-only methods' short runs) over consecutive batches; returns the trained θ.
 */
export async function trainSteps(
  model: Model,
  theta: Float32Array,
  data: Dataset,
  { steps, batch, lr, method = 'bp', options = {}, optimizer = method === 'bp' ? 'adam' : 'sgd' }: { steps: number; batch: number; lr: number; method?: string; options?: Readonly<Record<string, unknown>>; optimizer?: 'adam' | 'sgd' },
): Promise<Float32Array> {
  const stepper = { estimator: make(method, model, options, 2), optimizer: optimizer === 'adam' ? adam(lr) : sgd(lr) };
  let state = initTrainState(stepper, theta.slice(), data.size);
  for (let step = 0; step < steps; step++) state = (await trainStep(stepper, state, batchOf(data, (step * batch) % (data.size - batch), batch))).state;
  await stepper.estimator.dispose();
  return state.params;
}

/** Mean cross-entropy of the model on a batch. */
export async function loss(model: Model, theta: Float32Array, batch: Batch): Promise<number> {
  return (await estimateOnce(make('bp', model), { params: theta, batch, step: 0 })).loss;
}
