import type { Program } from '../engine/runtime/backend.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import type { ActivitySite } from '../nn/model.js';
import { fillGaussian, fillRademacher } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/** A compiled activity-perturbation program and the per-example shape of each site's noise. */
export interface ActivityProgram {
  readonly program: Program;
  readonly siteShapes: readonly (readonly number[])[];
}

/** Graph inputs for K directions of per-example noise on every site: inputs[s][d], shaped like the site. */
export function noiseInputs(sites: readonly ActivitySite[], k: number): Tensor[][] {
  return sites.map((site, s) => Array.from({ length: k }, (_, d) => input(`noise:${s}:${d}`, 'float32', site.z.shape)));
}

export function siteShapes(sites: readonly ActivitySite[]): number[][] {
  return sites.map((site) => site.z.shape.slice(1) as number[]);
}

/**
 * This step's noise for every site and direction, drawn from one stream: independent
 * per example, unit and direction, and regenerated from (seed, step) on replay.
 */
export function noiseFeeds(shapes: readonly (readonly number[])[], k: number, batch: number, stream: Seed, kind: 'gaussian' | 'rademacher' = 'gaussian'): Record<string, HostTensor> {
  const draw = kind === 'rademacher' ? fillRademacher : fillGaussian;
  const feeds: Record<string, HostTensor> = {};
  let offset = 0;
  for (let d = 0; d < k; d++) {
    shapes.forEach((shape, s) => {
      const u = HostTensor.zeros('float32', [batch, ...shape]);
      draw(u.data, stream, offset);
      offset += u.size;
      feeds[`noise:${s}:${d}`] = u;
    });
  }
  return feeds;
}
