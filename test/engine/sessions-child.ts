// Builds `count` distinct models in this process, one fg-a estimate each, disposing each
// estimator before the next; prints the process's peak RSS (MB) and the live sessions left.
import { liveSessions } from '../../src/engine/runtime/onnxruntime.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropyObjective } from '../../src/objectives/objective.js';
import { randomBatch } from '../estimators/fixtures.js';

const count = Number(process.argv[2]);
const batch = randomBatch(16, [64], 10);
for (let i = 0; i < count; i++) {
  // A different hidden width per model: a different graph, so no session can be shared.
  const model = mlp([64, 200 + i, 10]);
  const estimator = createEstimator('fg-a', { model, objective: crossEntropyObjective(), seed: i });
  const theta = model.init(i);
  await estimator.estimate(estimator.init(theta), { params: theta, batch, step: 0 });
  await estimator.dispose();
}
console.log(JSON.stringify({ peakMb: process.resourceUsage().maxRSS / 1024, live: liveSessions() }));
