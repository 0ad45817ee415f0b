import type { Program } from '../engine/runtime/backend.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import type { ActivitySite } from '../nn/model.js';
import type { OptionSpec } from './options.js';
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

/**
 * Which activity sites share a tangent pass. 'per-site' (ours): each site its own pass, so
 * its coefficient carries its own noise only. 'block' (Ren et al.'s code,
 * `jax.jvp(local_loss, zeros, noise)` per block): one pass per block seeded at all its
 * sites, whose coefficient every site of the block shares: fewer passes, more variance.
 */
export type ActivityVariant = 'per-site' | 'block';

export const ACTIVITY_VARIANT_OPTION: OptionSpec<ActivityVariant> = {
  type: 'string',
  default: 'per-site',
  choices: ['per-site', 'block'],
  help: "'per-site': one tangent pass per perturbed layer (lower variance); 'block': one per block with all its layers perturbed at once (Ren et al.'s code)",
};

/**
 * The directional derivatives the sites' estimates multiply, [site][direction]:
 * `tangent(seeds, block)` builds one forward-mode pass seeded at `seeds`, of the loss of
 * `block`. Per site, site s's pass is seeded with its own noise; under 'block' a block's
 * sites all take the one pass seeded with all their noise.
 */
export function sharedTangents(
  sites: readonly ActivitySite[],
  variant: ActivityVariant,
  k: number,
  tangent: (seeds: ReadonlyMap<Tensor, Tensor>, block: number) => Tensor,
  noise: readonly (readonly Tensor[])[],
): Tensor[][] {
  if (variant === 'per-site') return sites.map((site, s) => Array.from({ length: k }, (_, d) => tangent(new Map([[site.z, noise[s]![d]!]]), site.block)));
  const passes = new Map<number, Tensor[]>();
  for (const block of new Set(sites.map((site) => site.block))) {
    const members = sites.flatMap((site, s) => (site.block === block ? [s] : []));
    passes.set(block, Array.from({ length: k }, (_, d) => tangent(new Map(members.map((s) => [sites[s]!.z, noise[s]![d]!])), block)));
  }
  return sites.map((site) => passes.get(site.block)!);
}
