// Train an MLP on the embedded MNIST with forward gradients (activity perturbation):
// no backward pass anywhere. Run: node dist/examples/train-fg-a.js [epochs]
import { Evaluator, ForwardGradientActivities, adam, applyUpdates, batches, loadMnist, mlp } from 'forwardprop';

const epochs = Number(process.argv[2] ?? 5);
const { train, test } = await loadMnist();
const model = mlp([784, 256, 256, 10]);
const theta = model.init(0);
const estimator = new ForwardGradientActivities(model, { seed: 1 });
const optimizer = adam(1e-3);
let state = optimizer.init(theta);
let step = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  for (const batch of batches(train, { batchSize: 64, seed: 0, epoch })) {
    const { grad } = await estimator.estimate({ params: theta, batch, step });
    const update = optimizer.update(grad, state, theta, step++);
    applyUpdates(theta, update.updates);
    state = update.state;
  }
  const { accuracy } = await new Evaluator(model).evaluate(theta, test);
  console.log(`epoch ${epoch + 1}: test accuracy ${(100 * accuracy).toFixed(1)}%`);
}
