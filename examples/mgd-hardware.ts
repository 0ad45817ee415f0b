// Hardware in the loop: train a "device" — a 49-4-4 sigmoid network we can only program
// and read the cost of — to tell the 7×7 letters N, I, S, T apart with multiplexed
// gradient descent (McCaughan et al. 2023). The device is an async function with latency
// and measurement noise, and its neurons have device-to-device variation the trainer knows
// nothing about. Each step MGD's estimator asks for parameter vectors (θ and θ + θ̃), the
// device answers with costs, and the estimator tells its gradient back: `trainStep` runs
// ask → device → tell → SGD update, through a black-box loss oracle.
// Run: node dist/examples/mgd-hardware.js [steps] [latency ms] [cost noise]
import { setTimeout as sleep } from 'node:timers/promises';
import { BlackBoxLossOracle, type BlackBoxObjective, batches, createEstimator, fillUniform, initTrainState, letters7x7, sgd, sigmoidConstants, trainStep } from 'forwardprop';

const steps = Number(process.argv[2] ?? 3000);
const latencyMs = Number(process.argv[3] ?? 1);
const noise = Number(process.argv[4] ?? 1e-4);

const { train, test } = letters7x7();
const [inputs, hidden, outputs] = [49, 4, 4];
// The device's layout of θ: W1 [49, 4], b1 [4], W2 [4, 4], b2 [4].
const size = inputs * hidden + hidden + hidden * outputs + outputs;
// Each physical neuron's curve L/(1 + e^{−k(z − x₀)}) + y₀, fixed at fabrication.
const curves = [sigmoidConstants(hidden, 0, { sigma: 0.1, seed: 7 }), sigmoidConstants(outputs, 1, { sigma: 0.1, seed: 7 })];
const neuron = (layer: number, j: number, z: number) => {
  const c = curves[layer]!;
  return c.amplitude[j]! / (1 + Math.exp(-c.steepness[j]! * (z - c.midpoint[j]!))) + c.offset[j]!;
};

/** What the device outputs for input x with the weights at `at` of a buffer of parameter vectors. */
function forward(theta: Float32Array, at: number, x: ArrayLike<number>): number[] {
  const h = Array.from({ length: hidden }, (_, j) => {
    let z = theta[at + inputs * hidden + j]!;
    for (let i = 0; i < inputs; i++) z += x[i]! * theta[at + i * hidden + j]!;
    return neuron(0, j, z);
  });
  const second = at + inputs * hidden + hidden;
  return Array.from({ length: outputs }, (_, k) => neuron(1, k, h.reduce((z, v, j) => z + v * theta[second + j * outputs + k]!, theta[second + hidden * outputs + k]!)));
}

let state = 1;
/** The readout's noise: the device's own randomness (a small LCG), not the library's. */
const gaussian = () => {
  const u = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 1) / (2 ** 31 + 1);
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
};

/** The device: one mean squared error per query (a parameter vector and an example), after a round trip's latency. */
const device: BlackBoxObjective = async ({ params, examples, batch }) => {
  if (latencyMs > 0) await sleep(latencyMs);
  const x = batch.x.data as Float32Array;
  const y = batch.y.data as Float32Array;
  return Float32Array.from(examples, (e, q) => {
    const out = forward(params, q * size, x.subarray(e * inputs, (e + 1) * inputs));
    return out.reduce((s, o, k) => s + (o - y[e * outputs + k]!) ** 2, 0) / outputs + noise * gaussian();
  });
};

/** Share of examples with every output on the right side of 0.5, read off the device. */
function accuracy(theta: Float32Array, data: typeof test): number {
  let right = 0;
  for (let e = 0; e < data.size; e++) {
    const out = forward(theta, 0, data.x.subarray(e * inputs, (e + 1) * inputs));
    right += out.every((o, k) => o > 0.5 === data.targets[e * outputs + k]! > 0.5) ? 1 : 0;
  }
  return right / data.size;
}

const estimator = createEstimator('mgd', { oracle: new BlackBoxLossOracle(size, device), seed: 3 }, { code: 'cdma', amplitude: 0.05 });
const stepper = { estimator, optimizer: sgd(0.3) };
// θ₀ ~ U(−0.5, 0.5), as the papers initialise their networks.
const theta0 = new Float32Array(size);
fillUniform(theta0, 5);
let run = initTrainState(stepper, theta0.map((u) => u - 0.5), train.size);
const start = performance.now();
for (let epoch = 0; run.progress.step < steps; epoch++) {
  for (const batch of batches(train, { batchSize: 10, seed: 0, epoch })) {
    run = (await trainStep(stepper, run, batch)).state;
    if (run.progress.step % 500 === 0) console.log(`step ${run.progress.step}: test accuracy ${accuracy(run.params, test)}, ${run.progress.queries} cost readings`);
    if (run.progress.step >= steps) break;
  }
}
console.log(`done: test accuracy ${accuracy(run.params, test)} after ${run.progress.step} steps, ${((performance.now() - start) / 1000).toFixed(1)} s at ${latencyMs} ms per round trip`);
await estimator.dispose();
