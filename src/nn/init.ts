import { fillGaussian, fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';
import type { ParamLayout } from './params.js';

/**
 * Draws initial parameters. The whole vector is one noise stream of `seed` (each
 * parameter reads the stretch at its own offset), so the same seed and layout always
 * give the same values, on every platform.
 *   kaiming: N(0, 2 / fanIn)              (He et al. 2015, for ReLU networks)
 *   glorot:  U(±√(6 / (fanIn + fanOut)))  (Glorot & Bengio 2010)
 *   uniform: U(±bound)                    (the MGD papers' sigmoid networks: bound 0.5)
 */
export function initParams(layout: ParamLayout, seed: Seed): Float32Array {
  const theta = new Float32Array(layout.size);
  for (const entry of layout.entries) {
    const view = theta.subarray(entry.offset, entry.offset + entry.size);
    const init = entry.init;
    switch (init.kind) {
      case 'kaiming':
        fillGaussian(view, seed, entry.offset, Math.sqrt(2 / init.fanIn));
        break;
      case 'glorot':
      case 'uniform': {
        const bound = init.kind === 'glorot' ? Math.sqrt(6 / (init.fanIn + init.fanOut)) : init.bound;
        fillUniform(view, seed, entry.offset);
        for (let i = 0; i < view.length; i++) view[i] = bound * (2 * view[i]! - 1);
        break;
      }
      case 'ones':
        view.fill(1);
        break;
      case 'zeros':
        break;
    }
  }
  return theta;
}
