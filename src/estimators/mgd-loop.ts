import type { Batch } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { fillGaussian } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import type { EstimateRequest, Estimated } from './estimator.js';
import type { CodeName } from './perturbation-codes.js';

/**
 * The loop of multiplexed gradient descent (McCaughan et al. 2023; Oripov et al. 2025),
 * shared by weight and node perturbation. It follows the authors' code
 * (amccaugh/multiplexed-gradient-descent-paper, wmgd.jl and wmgd_gpu.jl); what differs is
 * said where it is done.
 *
 * Hardware reads only the cost C. Each step n:
 *   1. every τx steps a new sample or batch x (held in between);
 *   2. the perturbation θ̃ of the code, renewed every τp steps, is applied: C = C(θ + θ̃, x) + Cσ·N(0, 1);
 *   3. discrete: C̃ = C − C₀ with C₀ = C(θ, x) measured again whenever x or θ changed;
 *      analog: C̃ is the high-passed cost, C̃ₙ = a(C̃ₙ₋₁ + Cₙ − Cₙ₋₁), a = τhp/(τhp + 1);
 *      optionally clamped to ±limit;
 *   4. G = C̃·θ̃/Δ² (normalisation 'reference', E[G] = ∇C/P) or C̃·θ̃·P/Δ² ('per-parameter',
 *      E[G] = ∇C to first order);
 *   5. discrete: G_int += G, and every τθ steps G_int is the step's gradient (the trainer
 *      updates θ, e.g. θ ← θ − η·G_int with SGD) and restarts from 0; between updates the
 *      estimate has no gradient. Analog: G_int ← (G + τθ·G_int)/(τθ + 1), a gradient every step.
 * NaN or infinite entries of G_int are set to 0. Node perturbation (`perturb: 'nodes'`,
 * Oripov et al. 2025) perturbs neurons instead of weights: see mgd-nodes.ts.
 */
export interface MgdOptions {
  readonly code: CodeName;
  /** Δ, the L2 norm of the whole perturbation. */
  readonly amplitude: number;
  /** cdma: the fraction of quantities perturbed per slot, ρ ∈ (0, 1]. */
  readonly sparsity: number;
  readonly normalization: 'per-parameter' | 'reference';
  /** Steps a sample or batch is held, τx. */
  readonly taux: number;
  /** Steps a perturbation is held, τp. */
  readonly taup: number;
  /** Discrete: steps of integration per update, τθ; analog: the integrator's time constant in steps. */
  readonly tautheta: number;
  readonly mode: 'discrete' | 'analog';
  /** Analog: the high-pass filter's time constant in steps, τhp. */
  readonly tauhp: number;
  /** Largest |C̃| (0: no clamp). */
  readonly costLimit: number;
  /** Cσ: the standard deviation of Gaussian noise on every cost measurement. */
  readonly costNoise: number;
  readonly perturb: 'weights' | 'nodes';
  /** fdma's band, cycles per step. */
  readonly fdmaLow: number;
  readonly fdmaHigh: number;
}

/** A batch held for τx steps, as plain data: inputs, targets (labels as floats, exact below 2²⁴) and shapes. */
export type HeldBatch = {
  readonly x: Float32Array;
  readonly xShape: Float32Array;
  readonly y: Float32Array;
  readonly yShape: Float32Array;
  /** 1 when y holds int64 class labels. */
  readonly labels: number;
};

/**
 * What MGD carries from step to step: G_int [P], and per cost channel (the batch mean for
 * weight perturbation, each example for node perturbation) the baseline C₀ and the analog
 * filter's last cost and output. Buffers sized by the data start empty (see deserializeState).
 */
export type MgdState = {
  readonly integrated: Float32Array;
  readonly baseline: Float32Array;
  readonly previous: Float32Array;
  readonly filtered: Float32Array;
  readonly held: HeldBatch;
};

/** Where step n falls in the loop: all from n and the options alone. */
export interface MgdPhase {
  /** The perturbation slot ⌊n/τp⌋. */
  readonly slot: number;
  /** x changes at this step. */
  readonly newSample: boolean;
  /** Discrete: C₀ must be measured (x or θ changed, or no baseline for these channels). */
  readonly baseline: boolean;
  /** The estimate carries G_int as its gradient. */
  readonly update: boolean;
}

/** Stream id of the cost noise under the estimator's seed. */
const COST_NOISE_STREAM = 0x636f7374; // 'cost'

const EMPTY = new Float32Array(0);
const NOTHING_HELD: HeldBatch = { x: EMPTY, xShape: EMPTY, y: EMPTY, yShape: EMPTY, labels: 0 };

/** The fresh state for P parameters. */
export function mgdState(size: number): MgdState {
  return { integrated: new Float32Array(size), baseline: EMPTY, previous: EMPTY, filtered: EMPTY, held: NOTHING_HELD };
}

/**
 * The phase of step n: x changes when n ≡ 0 (mod τx); θ was updated before n when
 * n ≡ 0 (mod τθ) (discrete: the previous step gave a gradient); the step gives G_int when
 * n + 1 ≡ 0 (mod τθ), or always in analog mode. `channels`: 1 (weights) or the batch (nodes).
 */
export function mgdPhase(o: MgdOptions, state: MgdState, step: number, channels: number): MgdPhase {
  const newSample = step % o.taux === 0;
  const analog = o.mode === 'analog';
  return {
    slot: Math.floor(step / o.taup),
    newSample,
    baseline: !analog && (newSample || step % o.tautheta === 0 || state.baseline.length !== channels),
    update: analog || (step + 1) % o.tautheta === 0,
  };
}

/** The batch of step n: the request's when x changes (held if τx > 1), else the held one. */
export function stepBatch(o: MgdOptions, state: MgdState, request: EstimateRequest): { batch: Batch; held: HeldBatch } {
  if (o.taux === 1) return { batch: request.batch, held: NOTHING_HELD };
  if (request.step % o.taux === 0 || state.held.x.length === 0) return { batch: request.batch, held: holdBatch(request.batch) };
  return { batch: heldBatch(state.held), held: state.held };
}

function holdBatch(batch: Batch): HeldBatch {
  const labels = batch.y.dtype === 'int64';
  return {
    x: batch.x.data,
    xShape: Float32Array.from(batch.x.shape),
    y: labels ? Float32Array.from(batch.y.data as BigInt64Array, Number) : (batch.y.data as Float32Array),
    yShape: Float32Array.from(batch.y.shape),
    labels: labels ? 1 : 0,
  };
}

function heldBatch(held: HeldBatch): Batch {
  const yShape = Array.from(held.yShape);
  return {
    x: new HostTensor('float32', Array.from(held.xShape), held.x),
    y: held.labels === 1 ? new HostTensor('int64', yShape, BigInt64Array.from(held.y, (v) => BigInt(v))) : new HostTensor('float32', yShape, held.y),
  };
}

/**
 * The cost of each channel from one copy's per-example losses [b]: their mean (one channel)
 * or each loss (b channels), plus Cσ·N(0, 1) per measurement, drawn from (seed, step,
 * measurement). Rounded to float32 like the state that keeps C₀, so C − C₀ is exact.
 */
export function channelCosts(o: MgdOptions, losses: Float32Array, channels: number, seed: Seed, step: number, measurement: number): Float32Array {
  const costs = new Float32Array(channels);
  if (channels === 1) {
    let sum = 0;
    for (const l of losses) sum += l;
    costs[0] = sum / losses.length;
  } else costs.set(losses);
  if (o.costNoise > 0) {
    const noise = new Float32Array(channels);
    fillGaussian(noise, deriveSeed(seed, COST_NOISE_STREAM, step), measurement * channels, o.costNoise);
    for (let j = 0; j < channels; j++) costs[j]! += noise[j]!;
  }
  return costs;
}

/**
 * C̃ per channel from this step's costs (and C₀ when it was measured), the filters' next
 * state, and the coefficient of each channel in G = Σⱼ coefficientⱼ·θ̃ⱼ: C̃ (clamped) ·
 * scale/Δ² · weight, scale P (per-parameter) or 1 (reference), weight 1/channels.
 */
export function costDifferences(
  o: MgdOptions,
  state: MgdState,
  phase: MgdPhase,
  costs: Float32Array,
  baseline: Float32Array | undefined,
  perturbed: number,
): { coefficients: Float32Array; baseline: Float32Array; previous: Float32Array; filtered: Float32Array } {
  const m = costs.length;
  const tilde = new Float32Array(m);
  let next = { baseline: state.baseline, previous: state.previous, filtered: state.filtered };
  if (o.mode === 'discrete') {
    const c0 = baseline ?? state.baseline;
    for (let j = 0; j < m; j++) tilde[j] = costs[j]! - c0[j]!;
    next = { ...next, baseline: c0 };
  } else {
    // The last cost is reset to the current one when x changes: no step across samples.
    const previous = phase.newSample || state.previous.length !== m ? costs : state.previous;
    const filtered = state.filtered.length === m ? state.filtered : new Float32Array(m);
    const a = o.tauhp / (o.tauhp + 1);
    for (let j = 0; j < m; j++) tilde[j] = a * (filtered[j]! + costs[j]! - previous[j]!);
    next = { ...next, previous: costs, filtered: tilde.slice() };
  }
  const scale = (o.normalization === 'per-parameter' ? perturbed : 1) / (o.amplitude * o.amplitude * m);
  const limit = o.costLimit > 0 ? o.costLimit : Infinity;
  const coefficients = tilde.map((t) => Math.min(limit, Math.max(-limit, t)) * scale);
  return { coefficients, ...next };
}

/**
 * G_int after adding this step's G [P] (discrete) or filtering it in (analog), with
 * non-finite entries set to 0 (counted); the gradient when the phase updates. Discrete
 * integration restarts from 0 after an update. Neither input is modified.
 */
export function integrate(o: MgdOptions, integrated: Float32Array, g: Float32Array, phase: MgdPhase): { integrated: Float32Array; grad?: Float32Array; guarded: number } {
  const next = new Float32Array(g.length);
  const keep = o.mode === 'analog' ? o.tautheta / (o.tautheta + 1) : 1;
  const add = o.mode === 'analog' ? 1 / (o.tautheta + 1) : 1;
  let guarded = 0;
  for (let i = 0; i < g.length; i++) {
    const v = keep * integrated[i]! + add * g[i]!;
    if (Number.isFinite(v)) next[i] = v;
    else guarded++;
  }
  if (!phase.update) return { integrated: next, guarded };
  return { integrated: o.mode === 'analog' ? next : new Float32Array(g.length), grad: o.mode === 'analog' ? next.slice() : next, guarded };
}

/** The warning of a step whose G_int had entries the NaN guard zeroed. */
export const GUARD_WARNING = 'mgd: NaN or infinite entries of the integrated gradient were set to 0 (a diverging cost or a too-small amplitude)';

/**
 * A step's estimate and next state: the gradient when the phase updates, the loss of the
 * examples at θ (or at θ + θ̃ when the baseline was not measured), the queries spent.
 */
export function mgdEstimated(
  perExample: Float32Array,
  queries: number,
  { integrated, grad, guarded }: ReturnType<typeof integrate>,
  next: Pick<MgdState, 'baseline' | 'previous' | 'filtered'>,
  held: HeldBatch,
): Estimated<MgdState> {
  return {
    estimate: {
      ...(grad && { grad }),
      loss: perExample.reduce((s, l) => s + l, 0) / perExample.length,
      queries,
      perExample: { loss: perExample },
      ...(guarded > 0 && { warnings: [GUARD_WARNING] }),
    },
    state: { integrated, baseline: next.baseline, previous: next.previous, filtered: next.filtered, held },
  };
}
