// Times the step costs of issue 13 on one build of forwardprop, so that a change can be
// measured against its base under the same machine load: build the base in another
// directory (git worktree add ../base <commit> && cd ../base && npm ci), then alternate
//   node scripts/compare-builds.mjs ../base base; node scripts/compare-builds.mjs . new
// Each line is a ratio within one run (wall and CPU time, alternating 200 ms blocks),
// MLPs 784-W-W-10 at batch 64 unless said, one intra-op thread, SGD.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root = '.', label = root] = process.argv.slice(2);
const dist = pathToFileURL(resolve(root, 'dist/src')).href;
const load = (path) => import(`${dist}/${path}`);
const { createEstimator } = await load('estimators/registry.js');
const { modelFromSpec } = await load('nn/factories.js');
const { crossEntropyObjective } = await load('objectives/objective.js');
const { HostTensor } = await load('engine/ir/host-tensor.js');
const { fillGaussian } = await load('rng/noise.js');
const optim = await load('optim/index.js');
const { initTrainState, trainStep } = await load('train/step.js');
const { forwardPass } = await load('bench/estimators.js');
// This checkout's timing (it reports CPU time), whichever build is measured.
const { timeInterleaved } = await import(new URL('../dist/src/bench/timing.js', import.meta.url).href);
// Builds from before the thread default took a thread count where compile options go now.
const compileOptions = 'threadsFor' in (await load('engine/runtime/onnxruntime.js'));
const seconds = 3;
const compile = { threads: 1 };
const lines = [];
const ratios = (t, r) => `wall ${(t.medianMs / r.medianMs).toFixed(2)}×, CPU ${(t.cpuMs / r.cpuMs).toFixed(2)}×`;

async function setup(width, b, copies = 1) {
  const model = modelFromSpec(`mlp:784-${width}-${width}-10`, [1, 28, 28], 10);
  const theta = model.init(1);
  const x = HostTensor.zeros('float32', [b, 1, 28, 28]);
  fillGaussian(x.data, 3);
  const batch = { x, y: new HostTensor('int64', [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i % 10))) };
  const objective = crossEntropyObjective();
  return { model, theta, batch, objective, forward: await forwardPass(model, objective, theta, batch, copies, compileOptions ? compile : 1) };
}

async function step(name, method, options, width) {
  const s = await setup(width, 64);
  const stepper = { estimator: createEstimator(method, { model: s.model, objective: s.objective, seed: 1, compile }, options), optimizer: optim.sgd(1e-9) };
  let state = initTrainState(stepper, s.theta, 64);
  const [r, t] = await timeInterleaved([s.forward, async () => (state = (await trainStep(stepper, state, s.batch)).state)], { seconds });
  lines.push(`${name} ÷ forward pass: ${ratios(t, r)}`);
  await stepper.estimator.dispose();
}

await step('spsa K=1 step, W=256', 'spsa', { directions: 1, directionsPerCall: 1 }, 256);
await step('spsa K=1 step, W=1024', 'spsa', { directions: 1, directionsPerCall: 1 }, 1024);
await step('bp step, W=256', 'bp', {}, 256);
await step('fg-a step, W=256', 'fg-a', {}, 256);
for (const b of [64, 256]) {
  const s = await setup(256, b, 16);
  const estimator = createEstimator('spsa', { model: s.model, objective: s.objective, seed: 1, compile }, { directions: 16, directionsPerCall: 8 });
  let n = 0;
  const [r, t] = await timeInterleaved([s.forward, () => estimator.estimate({}, { params: s.theta, batch: s.batch, step: n++ })], { seconds });
  const rate = (spsa, raw) => (32 / spsa / (16 / raw)).toFixed(2);
  lines.push(`spsa 16 directions, copies/s ÷ raw stacked-forward rate, batch ${b}: wall ${rate(t.medianMs, r.medianMs)}, CPU ${rate(t.cpuMs, r.cpuMs)}`);
}
const s = await setup(256, 64);
const gradient = new Float32Array(s.theta.length);
fillGaussian(gradient, 5);
for (const [name, optimizer] of [['SGD', optim.sgd(1e-9)], ['Adam', optim.adam(1e-9)]]) {
  let state = optimizer.init(s.theta);
  // The old update overwrites its gradient: a fresh copy each time keeps the values normal.
  const work = new Float32Array(gradient.length);
  const update = optim.applyGradient
    ? () => (state = optim.applyGradient(optimizer, gradient, state, s.theta, 0))
    : () => {
        work.set(gradient);
        const u = optimizer.update(work, state, s.theta, 0);
        optim.applyUpdates(s.theta, u.updates);
        state = u.state;
      };
  const [r, t] = await timeInterleaved([s.forward, update], { seconds });
  lines.push(`${name} update + apply, W=256, ÷ forward pass: ${ratios(t, r)}`);
}
console.log(`${label}\n  ${lines.join('\n  ')}`);
process.exit(0);
