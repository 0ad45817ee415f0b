import { HostTensor } from '../../engine/ir/host-tensor.js';
import { type Tensor, constant } from '../../engine/ir/tensor.js';
import { add } from '../../engine/ops/add.js';
import { mul } from '../../engine/ops/mul.js';
import { sigmoid } from '../../engine/ops/sigmoid.js';
import { sub } from '../../engine/ops/sub.js';
import { fillGaussian } from '../../rng/noise.js';
import { type Seed, deriveSeed } from '../../rng/stream.js';
import type { BuildContext, Module } from '../module.js';

/** Device-to-device variation of sigmoid neurons: one spread σ, the constants fixed by `seed`. */
export interface SigmoidVariation {
  readonly sigma: number;
  readonly seed: Seed;
}

/** One layer's per-neuron constants, each [units]. */
export interface SigmoidConstants {
  readonly midpoint: Float32Array;
  readonly offset: Float32Array;
  readonly steepness: Float32Array;
  readonly amplitude: Float32Array;
}

/**
 * The constants of layer `layer`'s `units` neurons: midpoint x₀ and offset y₀ ~ N(0, σ²),
 * steepness k and amplitude L ~ 1 + N(0, σ²), drawn from one stream of (seed, layer), so
 * a device is the same device in every run with its seed (McCaughan et al. 2023,
 * `noisy_mlp` of their code).
 */
export function sigmoidConstants(units: number, layer: number, { sigma, seed }: SigmoidVariation): SigmoidConstants {
  const noise = new Float32Array(4 * units);
  fillGaussian(noise, deriveSeed(seed, layer), 0, sigma);
  const part = (i: number, base: number) => Float32Array.from(noise.subarray(i * units, (i + 1) * units), (v) => base + v);
  return { midpoint: part(0, 0), offset: part(1, 0), steepness: part(2, 1), amplitude: part(3, 1) };
}

/**
 * A layer of physical sigmoid neurons, each with its own curve
 * L / (1 + e^{−k(z − x₀)}) + y₀ over the last axis: the device variation of analog
 * hardware that a perturbative method trains through without modelling it. The
 * pre-activation z is the activity site. With σ = 0 use a plain `Activation('sigmoid')`.
 */
export class DeviceSigmoid implements Module {
  readonly kind = 'device-sigmoid';
  readonly constants: SigmoidConstants;

  constructor(
    readonly units: number,
    readonly layer: number,
    readonly variation: SigmoidVariation,
  ) {
    if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`DeviceSigmoid: units must be a positive integer, got ${units}`);
    if (!(variation.sigma >= 0 && Number.isFinite(variation.sigma))) throw new RangeError(`DeviceSigmoid: variation sigma must be a finite number ≥ 0, got ${variation.sigma}`);
    this.constants = sigmoidConstants(units, layer, variation);
  }

  params(): [] {
    return [];
  }

  children(): [] {
    return [];
  }

  apply(ctx: BuildContext, x: Tensor): Tensor {
    const c = this.constants;
    const z = ctx.activity(x);
    const vector = (values: Float32Array) => constant(new HostTensor('float32', [this.units], values));
    return add(mul(vector(c.amplitude), sigmoid(mul(vector(c.steepness), sub(z, vector(c.midpoint))))), vector(c.offset));
  }
}
