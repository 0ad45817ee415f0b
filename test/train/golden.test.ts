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
 * which numbers it altered and why.
 */
const GOLDEN: readonly { readonly name: string; readonly config: Partial<TrainConfig>; readonly sha: string }[] = [
{ name: 'bp', config: { method: 'bp', model: 'mlp:784-32-10', lr: 0.001 }, sha: '092c0ea6ee4982f8' },
  { name: 'fa', config: { method: 'fa', model: 'mlp:784-32-10', lr: 0.001 }, sha: 'e31a5309dc49df7a' },
  { name: 'dfa', config: { method: 'dfa', model: 'mlp:784-32-10', lr: 0.001 }, sha: '1bc73de56679014b' },
  { name: 'fg-w', config: { method: 'fg-w', model: 'mlp:784-32-10', lr: 0.003, directions: 2 }, sha: '1ff1f408a734da67' },
  { name: 'fg-a', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003 }, sha: '91e8364cd6e7460f' },
  { name: 'fg-a K=3 rademacher', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, directions: 3, noise: 'rademacher' }, sha: 'd33368e0de073d4b' },
  { name: 'spsa', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003 }, sha: 'bbda22b4424b13f4' },
  { name: 'spsa forward 1 per call', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, scheme: 'forward', directions: 5, directionsPerCall: 1, noise: 'gaussian', epsilon: 0.01 }, sha: '78b621cf5a240deb' },
  { name: 'lr', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003 }, sha: 'f2ae46cc343e1f6c' },
  { name: 'cge 40 coordinates', config: { method: 'cge', model: 'mlp:784-4-10', lr: 0.001, directions: 40 }, sha: 'f9f2d61201baf4dc' },
  { name: 'spsa neyman', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman' }, sha: 'e2ff5fef0d6bfa2d' },
  { name: 'lr flops', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003, allocator: 'flops' }, sha: 'f2ae46cc343e1f6c' },
  { name: 'fg-a uniform', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.003, allocator: 'uniform', queriesPerExample: 3 }, sha: '28b2be15020a769c' },
  { name: 'fg-w neyman', config: { method: 'fg-w', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman' }, sha: '9ae00e9224689a94' },
  { name: 'lr flops, second epoch', config: { method: 'lr', model: 'mlp:784-32-10', lr: 0.003, allocator: 'flops', batchSize: 2000, steps: 6 }, sha: 'aab371ad3773ab5f' },
  { name: 'spsa neyman, second epoch', config: { method: 'spsa', model: 'mlp:784-32-10', lr: 0.003, allocator: 'neyman', batchSize: 2000, steps: 6 }, sha: '6783efc8de5da797' },
  { name: 'l-bp', config: { method: 'l-bp', model: 'localmixer:S/1/1', lr: 0.001 }, sha: 'b2f9490c08252cf2' },
  { name: 'lg-bp', config: { method: 'lg-bp', model: 'localmixer:S/1/1', lr: 0.001 }, sha: 'b2f9490c08252cf2' },
  { name: 'l-fa', config: { method: 'l-fa', model: 'localmixer:S/1/1', lr: 0.001 }, sha: 'dd4d227d54c28ffb' },
  { name: 'lg-fa', config: { method: 'lg-fa', model: 'localmixer:S/1/1', lr: 0.001 }, sha: 'dd4d227d54c28ffb' },
  { name: 'lg-fg-w', config: { method: 'lg-fg-w', model: 'localmixer:S/1/1', lr: 0.003 }, sha: 'bd9522e934c874ab' },
  { name: 'lg-fg-a', config: { method: 'lg-fg-a', model: 'localmixer:S/1/1', lr: 0.003, directions: 2 }, sha: 'a4ab665e33e85e07' },
  { name: 'fg-a momentum clip', config: { method: 'fg-a', model: 'mlp:784-32-10', lr: 0.01, optimizer: 'momentum', clip: 1, schedule: 'step' }, sha: '0d38e05e625e1711' },
];

const hash = (theta: Float32Array) => createHash('sha256').update(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength)).digest('hex').slice(0, 16);

describe('every method reproduces its recorded parameters bit for bit', () => {
  for (const { name, config, sha } of GOLDEN) {
    test(name, async () => {
      const out = await mkdtemp(join(tmpdir(), 'fp-golden-'));
      await train({ ...DEFAULT_CONFIG, epochs: 2, steps: 3, ...config } as TrainConfig, { out });
      const { params } = await loadCheckpoint(join(out, CHECKPOINT_FILE));
      assert.equal(hash(params), sha);
    });
  }
});
