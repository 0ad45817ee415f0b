import { type Dataset, createDataset } from '../data/dataset.js';
import type { BlackBoxObjective } from '../objectives/black-box.js';
import { fillGaussian, fillUniform } from '../rng/noise.js';
import type { Seed } from '../rng/stream.js';

/**
 * Cart-pole (Barto, Sutton, Anderson 1983), with the constants, Euler integration and
 * termination of Gymnasium's CartPole-v1: a pole hinged on a cart pushed left or right
 * by 10 N every 0.02 s; an episode ends when the pole leans past 12° or the cart leaves
 * ±2.4 m, or after 500 steps; the return is the number of steps. The state is
 * [x, ẋ, θ, θ̇] and starts uniform on [−0.05, 0.05]⁴.
 */
export const CART_POLE = Object.freeze({ gravity: 9.8, massCart: 1, massPole: 0.1, halfLength: 0.5, force: 10, tau: 0.02, angleLimit: (12 * 2 * Math.PI) / 360, positionLimit: 2.4, maxSteps: 500 });

/** One step from `s` (updated in place) under action 0 (push left) or 1 (push right); true when the episode ends. */
export function cartPoleStep(s: Float64Array, action: number): boolean {
  const { gravity, massCart, massPole, halfLength, force, tau, angleLimit, positionLimit } = CART_POLE;
  const total = massCart + massPole;
  const poleMoment = massPole * halfLength;
  const [x, xDot, theta, thetaDot] = s as unknown as [number, number, number, number];
  const f = action === 1 ? force : -force;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const temp = (f + poleMoment * thetaDot * thetaDot * sin) / total;
  const thetaAcc = (gravity * sin - cos * temp) / (halfLength * (4 / 3 - (massPole * cos * cos) / total));
  const xAcc = temp - (poleMoment * thetaAcc * cos) / total;
  s[0] = x + tau * xDot;
  s[1] = xDot + tau * xAcc;
  s[2] = theta + tau * thetaDot;
  s[3] = thetaDot + tau * thetaAcc;
  return s[0]! < -positionLimit || s[0]! > positionLimit || s[2]! < -angleLimit || s[2]! > angleLimit;
}

/**
 * A deterministic policy: an MLP 4-h-1 with tanh hidden units (h = 0: linear) whose
 * output's sign picks the push. Parameters [W₁ (4×h), b₁ (h), W₂ (h), b₂], row-major.
 */
export class CartPolePolicy {
  readonly parameters: number;

  constructor(readonly hidden = 8) {
    if (!Number.isSafeInteger(hidden) || hidden < 0) throw new RangeError(`hidden must be an integer ≥ 0, got ${hidden}`);
    this.parameters = hidden === 0 ? 5 : 4 * hidden + hidden + hidden + 1;
  }

  /** Seeded initial parameters: weights N(0, 1/fan-in), biases 0. */
  init(seed: Seed): Float32Array {
    const params = new Float32Array(this.parameters);
    fillGaussian(params, seed);
    const h = this.hidden;
    const [inputs, biases, readout] = h === 0 ? [4, [4, 5], 5] : [4 * h, [4 * h, 5 * h], 6 * h];
    for (let i = 0; i < params.length; i++) {
      if ((i >= biases[0]! && i < biases[1]!) || i === readout) params[i] = 0;
      else params[i]! /= Math.sqrt(i < inputs ? 4 : h);
    }
    return params;
  }

  /** The action (0 or 1) for state s under the parameters at params[offset …]. */
  act(params: Float32Array, offset: number, s: Float64Array): number {
    const h = this.hidden;
    let out: number;
    if (h === 0) {
      out = params[offset + 4]!;
      for (let i = 0; i < 4; i++) out += params[offset + i]! * s[i]!;
    } else {
      out = params[offset + 6 * h]!;
      for (let j = 0; j < h; j++) {
        let z = params[offset + 4 * h + j]!;
        for (let i = 0; i < 4; i++) z += params[offset + i * h + j]! * s[i]!;
        out += params[offset + 5 * h + j]! * Math.tanh(z);
      }
    }
    return out > 0 ? 1 : 0;
  }

  /** The return (steps survived, at most `maxSteps`) of the episode from `start` [4]. */
  episode(params: Float32Array, offset: number, start: ArrayLike<number>, maxSteps: number = CART_POLE.maxSteps): number {
    const s = Float64Array.from(start);
    for (let t = 1; t <= maxSteps; t++) if (cartPoleStep(s, this.act(params, offset, s))) return t;
    return maxSteps;
  }
}

/** `count` start states [count, 4], uniform on [−0.05, 0.05] (Gymnasium's reset), seeded. */
export function cartPoleStarts(count: number, seed: Seed): Float32Array {
  const starts = new Float32Array(4 * count);
  fillUniform(starts, seed);
  for (let i = 0; i < starts.length; i++) starts[i] = 0.1 * starts[i]! - 0.05;
  return starts;
}

/** Start states as a dataset (one class): the batches of a policy-search run are episodes to play. */
export function cartPoleEpisodes(count: number, seed: Seed, name = 'cart-pole'): Dataset {
  return createDataset({ name, inputShape: [4], classes: 1, x: cartPoleStarts(count, seed), y: new Int32Array(count) });
}

/**
 * Cart-pole as a black-box objective: query q plays the episode that starts from row
 * examples[q] of the batch's x with the parameters of query q; its loss is −return / maxSteps
 * (−1: balanced for all 500 steps). For the BlackBoxLossOracle.
 */
export function cartPoleObjective(policy: CartPolePolicy, maxSteps: number = CART_POLE.maxSteps): BlackBoxObjective {
  return async ({ params, examples, batch }) => {
    const x = batch.x.data as Float32Array;
    return Float32Array.from(examples, (e, q) => -policy.episode(params, q * policy.parameters, x.subarray(4 * e, 4 * e + 4), maxSteps) / maxSteps);
  };
}
