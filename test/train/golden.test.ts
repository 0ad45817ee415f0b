import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { CHECKPOINT_FILE, train } from '../../src/train/trainer.js';

/**
 * Bit-exact numerics across refactors: the parameters after a few steps of every method
 * (and every allocator) hash to the values recorded when the README's results were made.
 * A change that moves any bit of any method's arithmetic fails here, which is how the
 * README's tables keep reproducing exactly. Update a hash only with a change that says
 * which numbers it altered and why. Changed so far: spsa and cge when their estimate
 * moved from the graph to the loss-only ask/tell path (the directions are summed on the
 * host, and the step actually applied to θ in float32 is divided out): θ moved by at
 * most 1.2e-7 after 3 steps — rounding, not the method (docs/architecture.md). Renamed:
 * the learned allocator once called 'flops' is 'softmax' (same hashes); 'flops' is now
 * the paper's Gaussian allocator, with rows of its own. Added with the paper variants: the
 * block variant of fg-a and lg-fg-a (also under the paper's protocol: momentum, weight
 * decay, warmup-cosine, normalised inputs), contrastive local losses and normalised
 * inputs — recorded on the branch that made them (the code of the paper-protocol runs in
 * docs/results/local-losses.md gives the same bits) and unchanged by the merge with the
 * fused update.
 */
const GOLDEN: readonly { readonly name: string; readonly config: Partial<TrainConfig>; readonly sha: string }[] = [
  { name: 'bp', config: { method: 'bp', model: 'mlp:784-32-10', lr: 0.001 }, sha: 'bc63ccec6b5e899b' },
  { name: 'fa', config: { method: 'fa', model: 'mlp:784-32-10', lr: 0.001 }, sha: '1d7cc6472fd904c4' },
  { name: 'dfa', config: { method: 'dfa', model: 'mlp:784-32-10', lr: 0.001 }, sha: '94080a73e8fe0535' },
  { name: 'fg-w', config: { method: 'fg-w', model: 'mlp:784-32-10', lr: 0.003, options: { directions: 2 } }, sha: '720c07ed613cb076' },
  { name: 'fg-a', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003 }, sha: '33f7ca4197d09d42' },
  { name: 'fg-a K=3 rademacher', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, options: { directions: 3, noise: 'rademacher' } }, sha: 'eca9f620764c476d' },
  { name: 'spsa', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003 }, sha: '5f9e157bfa18daa7' },
  { name: 'spsa forward 1 per call', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, options: { scheme: 'forward', directions: 5, directionsPerCall: 1, noise: 'gaussian', epsilon: 0.01 } }, sha: '6050bc3550d32636' },
  { name: 'lr', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003 }, sha: '10473a67554af7d3' },
  { name: 'cge 40 coordinates', config: { method: 'cge', model: 'mlp:784-4-10', lr: 0.001, options: { directions: 40 } }, sha: 'd4239bb343d361e6' },
  { name: 'spsa neyman', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman' }, sha: 'd256dcc97bf7c350' },
  { name: 'lr softmax', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003, allocator: 'softmax' }, sha: '10473a67554af7d3' },
  { name: 'fg-a uniform', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, allocator: 'uniform', queriesPerExample: 3 }, sha: '2825c4f4fec1fc41' },
  { name: 'fg-w neyman', config: { method: 'fg-w', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman' }, sha: '812bfed2fe38da46' },
  { name: 'lr softmax, second epoch', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003, allocator: 'softmax', batchSize: 2000, steps: 6 }, sha: '321ff45f67577e62' },
  { name: 'fg-a flops (fresh losses)', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, allocator: 'flops' }, sha: '554755dd7deaed8f' },
  { name: 'fg-a neyman (fresh variances)', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman', allocatorStatistics: 'fresh' }, sha: '75821fd450729804' },
  { name: 'spsa neyman, second epoch', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman', batchSize: 2000, steps: 6 }, sha: 'be9db6998a90b0f0' },
  { name: 'l-bp', config: { method: 'l-bp', model: 'localmixer:S/1/1', lr: 0.001 }, sha: '4ee2d78299e86182' },
  { name: 'lg-bp', config: { method: 'lg-bp', model: 'localmixer:S/1/1', lr: 0.001 }, sha: '4ee2d78299e86182' },
  { name: 'l-fa', config: { method: 'l-fa', model: 'localmixer:S/1/1', lr: 0.001 }, sha: '001cbd51c6dc645b' },
  { name: 'lg-fa', config: { method: 'lg-fa', model: 'localmixer:S/1/1', lr: 0.001 }, sha: '001cbd51c6dc645b' },
  { name: 'lg-fg-w', config: { method: 'lg-fg-w', model: 'localmixer:S/1/1', lr: 0.003 }, sha: 'df9aa9c791a8eb9f' },
  { name: 'lg-fg-a', config: { method: 'lg-fg-a', model: 'localmixer:S/1/1', lr: 0.003, options: { directions: 2 } }, sha: 'e1b461c1700852af' },
  { name: 'fg-a block', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, options: { variant: 'block' } }, sha: '33f7ca4197d09d42' },
  { name: 'lg-fg-a block', config: { method: 'lg-fg-a', model: 'localmixer:S/1/1', lr: 0.003, options: { directions: 2, variant: 'block' } }, sha: 'b2d7c811ce1dd5a7' },
  { name: 'lg-fg-a block, paper protocol', config: { method: 'lg-fg-a', model: 'localmixer:S/1/1', lr: 0.05, optimizer: 'momentum', weightDecay: 1e-4, schedule: 'cosine', warmupSteps: 2, normalize: true, batchSize: 256, options: { variant: 'block' } }, sha: '428f54dccd2db295' },
  { name: 'lg-bp contrastive', config: { method: 'lg-bp', model: 'localmixer:S/1/1', lr: 0.001, options: { localLoss: 'contrastive' } }, sha: '17a63348459b8f45' },
  { name: 'lg-fg-a contrastive', config: { method: 'lg-fg-a', model: 'localmixer:S/1/1', lr: 0.003, options: { directions: 2, localLoss: 'contrastive' } }, sha: '1c6e076f8392dc70' },
  { name: 'bp normalize', config: { method: 'bp', model: 'mlp:784-32-10', lr: 0.001, normalize: true }, sha: '7cc23f1494ea88ac' },
  { name: 'fg-a momentum clip', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.01, optimizer: 'momentum', clip: 1, schedule: 'step', batchSize: 2000, epochs: 1, steps: undefined }, sha: '84acf159e629e9fd' },
  { name: 'bp cosine warmup', config: { method: 'bp', model: 'mlp:784-32-10', lr: 0.001, schedule: 'cosine', warmupSteps: 2, batchSize: 2000, epochs: 1, steps: undefined }, sha: '9c154a21db737572' },
];

const hash = (theta: Float32Array) => createHash('sha256').update(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength)).digest('hex').slice(0, 16);

describe('every method reproduces its recorded parameters bit for bit', () => {
  for (const { name, config, sha } of GOLDEN) {
    test(name, async () => {
      const out = await mkdtemp(join(tmpdir(), 'fp-golden-'));
      await train({ ...DEFAULT_CONFIG, epochs: 2, steps: 3, schedule: 'constant', ...config } as TrainConfig, { out });
      const { params } = await loadCheckpoint(join(out, CHECKPOINT_FILE));
      assert.equal(hash(params), sha);
    });
  }
});
