import type { ParamEntry, ParamLayout } from '../nn/params.js';
import { fillGaussian } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/**
 * The filters of a parameter: index lists of the entries feeding one output unit. A
 * matmul weight [in, out] has one filter per column, a convolution [out, …] one per
 * output channel; parameters of rank 1 (biases, norms) have none.
 */
function filters(e: ParamEntry): { readonly count: number; readonly index: (filter: number, j: number) => number; readonly size: number } | undefined {
  if (e.shape.length < 2) return undefined;
  if (e.shape.length === 2) {
    const [rows, cols] = e.shape as [number, number];
    return { count: cols, size: rows, index: (f, j) => e.offset + j * cols + f };
  }
  const count = e.shape[0]!;
  const size = e.size / count;
  return { count, size, index: (f, j) => e.offset + f * size + j };
}

/**
 * A filter-normalised random direction (Li, Xu, Taylor, Studer, Goldstein, NeurIPS 2018,
 * "Visualizing the loss landscape of neural nets", §4): Gaussian, then each filter
 * rescaled to the norm of θ's filter, so that a step of 1 along it changes every unit by
 * as much as the unit's own weights (scale-invariant across layers and ReLU rescalings);
 * biases and norm parameters get zero (their 'ignore biasbn'). With a mask (a sub-net),
 * the direction and the norms are taken on the mask's entries only.
 * @throws RangeError when θ or the mask is not laid out like the model's parameters.
 */
export function filterNormalizedDirection(layout: ParamLayout, theta: Float32Array, seed: Seed, mask?: Float32Array): Float32Array {
  layout.check(theta, 'theta');
  if (mask) layout.check(mask, 'mask');
  const d = new Float32Array(layout.size);
  fillGaussian(d, seed);
  for (const e of layout.entries) {
    const f = filters(e);
    if (f === undefined) {
      d.fill(0, e.offset, e.offset + e.size);
      continue;
    }
    for (let filter = 0; filter < f.count; filter++) {
      let dn = 0;
      let tn = 0;
      for (let j = 0; j < f.size; j++) {
        const i = f.index(filter, j);
        if (mask && mask[i] === 0) {
          d[i] = 0;
          continue;
        }
        dn += d[i]! ** 2;
        tn += theta[i]! ** 2;
      }
      const scale = dn > 0 ? Math.sqrt(tn / dn) : 0;
      for (let j = 0; j < f.size; j++) d[f.index(filter, j)]! *= scale;
    }
  }
  return d;
}
