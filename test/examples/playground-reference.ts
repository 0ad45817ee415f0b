// The playground's run recomputed in Node with the library's own loop (runSteps), the
// oracle for the browser test. Which ONNX Runtime runs it is the process's choice: under
// `node --conditions=browser` the package's "#ort" import is onnxruntime-web (the
// browser's WebAssembly build), otherwise onnxruntime-node.
import { RUNTIME_NAME, ort } from '#ort';
import { loadMnist } from '../../src/data/mnist.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { adam } from '../../src/optim/aliases.js';
import { runSeeds } from '../../src/train/seeds.js';
import { initTrainState, runSteps } from '../../src/train/step.js';

export interface ReferenceConfig {
  readonly method: string;
  readonly hidden: readonly number[];
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly steps: number;
}

export interface ReferenceRun {
  readonly runtime: string;
  /** θ after `steps` steps. */
  readonly params: Float32Array;
  /** The training loss of each step's batch. */
  readonly losses: number[];
}

/** `steps` steps of `method` on the embedded MNIST: MLP 784-…-10, Adam at a constant rate, the run seeds of `seed`. */
export async function referenceRun({ method, hidden, batchSize, lr, seed, steps }: ReferenceConfig): Promise<ReferenceRun> {
  // One WebAssembly thread, as in the playground: the thread count changes onnxruntime-web's
  // sums. (The types are onnxruntime-node's; the value is the condition's.)
  const runtime: string = RUNTIME_NAME;
  if (runtime === 'onnxruntime-web') ort.env.wasm.numThreads = 1;
  const { train } = await loadMnist();
  const model = mlp([784, ...hidden, 10]);
  const seeds = runSeeds(seed);
  const stepper = { estimator: createEstimator(method, { model, objective: crossEntropyObjective(), seed: seeds.noise }), optimizer: adam(lr) };
  const losses: number[] = [];
  try {
    const state = await runSteps(stepper, initTrainState(stepper, model.init(seeds.init), train.size), train, {
      batchSize,
      seed,
      steps,
      onStep: (_, estimate) => void losses.push(estimate.loss),
    });
    return { runtime, params: state.params, losses };
  } finally {
    await stepper.estimator.dispose();
  }
}
