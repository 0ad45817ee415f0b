// Train an MLP on the embedded MNIST with forward gradients (activity perturbation):
// no backward pass anywhere. Every step is the library's trainStep, the step `forwardprop
// train` runs. Run: node dist/examples/train-fg-a.js [epochs]
import { Evaluator, adam, batches, createEstimator, crossEntropyObjective, initTrainState, loadMnist, mlp, trainStep } from 'forwardprop';

const epochs = Number(process.argv[2] ?? 5);
const { train, test } = await loadMnist();
const model = mlp([784, 256, 256, 10]);
const objective = crossEntropyObjective();
const estimator = createEstimator('fg-a', { model, objective, seed: 1 });
const stepper = { estimator, optimizer: adam(1e-3) };
let state = initTrainState(stepper, model.init(0), train.size);
const evaluator = new Evaluator(model, objective);
for (let epoch = 0; epoch < epochs; epoch++) {
  for (const batch of batches(train, { batchSize: 64, seed: 0, epoch })) state = (await trainStep(stepper, state, batch)).state;
  const { accuracy } = await evaluator.evaluate(state.params, test);
  console.log(`epoch ${epoch + 1}: test accuracy ${(100 * accuracy).toFixed(1)}%`);
}
await Promise.all([estimator.dispose(), evaluator.dispose()]);
