import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, noAllocation } from './estimator.js';
import { type MgdOptions, type MgdState, channelCosts, costDifferences, integrate, mgdEstimated, mgdPhase, mgdState, stepBatch } from './mgd-loop.js';
import { NodeMgd } from './mgd-nodes.js';
import { CODE_NAMES, PerturbationCode, checkCodeOptions } from './perturbation-codes.js';

/**
 * Multiplexed gradient descent (MGD) with weight perturbation: McCaughan, Oripov, Ganesh,
 * Nam, Dienstfrey, Buckley 2023, "Multiplexed gradient descent: Fast online training of
 * modern datasets on hardware neural networks without backpropagation", APL Machine
 * Learning 1, 026118 (arXiv 2303.03986); Oripov, Dienstfrey, McCaughan, Buckley 2025,
 * "Scaling of hardware-compatible perturbative training algorithms", APL Machine Learning
 * (arXiv 2501.15403). The loop (time constants, baseline, filters, integration) is in
 * mgd-loop.ts, the codes in perturbation-codes.ts, node perturbation in mgd-nodes.ts.
 *
 * Runs over any loss oracle: a model program or a black box (hardware in the loop). Each
 * step asks for one or two copies as dense offsets — θ + θ̃ and, when the baseline is
 * stale, θ itself — and tells the losses back; every τθ steps (discrete) the estimate
 * carries G_int as its gradient, otherwise none, so the trainer leaves the optimiser alone.
 */
export class Mgd implements LossOnlyEstimator<MgdState> {
  readonly name = 'mgd';
  private readonly code: PerturbationCode;
  private last?: { readonly slot: number; readonly mask: Float32Array | undefined; readonly theta: Float32Array };

  constructor(
    readonly oracle: LossOracle,
    private readonly options: MgdOptions & { readonly seed: Seed },
  ) {
    this.code = new PerturbationCode(oracle.dimension, options, deriveSeed(options.seed, 0));
  }

  init(params: Float32Array): MgdState {
    return mgdState(params.length);
  }

  /**
   * θ̃ of the step's slot, zero on masked entries (read only). A pure function of (slot,
   * mask): the last one is kept, since ask and tell both need it and a slot lasts τp steps.
   */
  private perturbation(slot: number, mask: Float32Array | undefined): Float32Array {
    if (this.last?.slot === slot && this.last.mask === mask) return this.last.theta;
    const theta = new Float32Array(this.oracle.dimension);
    this.code.fill(theta, slot);
    if (mask) for (let i = 0; i < theta.length; i++) theta[i]! *= mask[i]!;
    this.last = { slot, mask, theta };
    return theta;
  }

  ask(state: MgdState, request: EstimateRequest): LossRequest {
    noAllocation(this.name, request);
    const phase = mgdPhase(this.options, state, request.step, 1);
    const p = this.oracle.dimension;
    const copies = phase.baseline ? 2 : 1;
    const offsets = new Float32Array(copies * p);
    // Row 0 is θ itself when the baseline is measured.
    offsets.set(this.perturbation(phase.slot, request.mask), (copies - 1) * p);
    // One copy per call: a model program runs each as a plain forward pass (no copy axis), as a device would.
    return { params: request.params, batch: stepBatch(this.options, state, request).batch, perturbation: { kind: 'offsets', offsets, copies }, directionsPerCall: 1 };
  }

  tell(state: MgdState, request: EstimateRequest, result: LossResult): Estimated<MgdState> {
    const o = this.options;
    const phase = mgdPhase(o, state, request.step, 1);
    const { batch, held } = stepBatch(o, state, request);
    const b = batch.x.shape[0]!;
    const copies = phase.baseline ? 2 : 1;
    if (result.losses.length !== copies * b) throw new RangeError(`mgd: ${result.losses.length} losses for ${copies} copies × ${b} examples`);
    const row = (c: number) => result.losses.subarray(c * b, (c + 1) * b);
    const costs = channelCosts(o, row(copies - 1), 1, o.seed, request.step, copies - 1);
    const baseline = phase.baseline ? channelCosts(o, row(0), 1, o.seed, request.step, 0) : undefined;
    const next = costDifferences(o, state, phase, costs, baseline, this.oracle.dimension);
    const a = next.coefficients[0]!;
    const g = this.perturbation(phase.slot, request.mask).map((t) => a * t);
    return mgdEstimated(row(phase.baseline ? 0 : copies - 1).slice(), result.queries, integrate(o, state.integrated, g, phase), next, held);
  }

  estimate(state: MgdState, request: EstimateRequest): Promise<Estimated<MgdState>> {
    return askAndTell(this, state, request);
  }

  /** Holds nothing itself; the oracle belongs to whoever made it. */
  async dispose(): Promise<void> {}
}

export const mgd = defineEstimator<MgdOptions>({
  name: 'mgd',
  summary: 'multiplexed gradient descent: perturbation codes (tdma, cdma, walsh, fdma) integrated over time constants, losses only (hardware in the loop)',
  paper: 'McCaughan et al. 2023, "Multiplexed gradient descent: Fast online training of modern datasets on hardware neural networks without backpropagation" (APL Machine Learning 1, 026118); Oripov et al. 2025, "Scaling of hardware-compatible perturbative training algorithms" (APL Machine Learning)',
  needs: 'losses',
  options: {
    code: { type: 'string', default: 'cdma', choices: CODE_NAMES, help: 'perturbation code: tdma (one at a time), cdma (random ±), walsh (Hadamard rows), fdma (sinusoids)' },
    amplitude: { type: 'number', default: 0.1, above: 0, help: 'Δ, the L2 norm of the whole perturbation' },
    sparsity: { type: 'number', default: 1, above: 0, max: 1, help: 'cdma: fraction of quantities perturbed per slot, in (0, 1]' },
    normalization: { type: 'string', default: 'per-parameter', choices: ['per-parameter', 'reference'], help: "G = C̃θ̃·P/Δ² (unbiased for ∇C) or the reference code's C̃θ̃/Δ² (∇C/P)" },
    taux: { type: 'integer', default: 1, min: 1, help: 'τx: steps each sample or batch is held' },
    taup: { type: 'integer', default: 1, min: 1, help: 'τp: steps each perturbation is held' },
    tautheta: { type: 'integer', default: 1, min: 1, help: 'τθ: steps of integration per update (analog: the integrator time constant)' },
    mode: { type: 'string', default: 'discrete', choices: ['discrete', 'analog'], help: 'discrete (baseline cost C₀, updates every τθ) or analog (high-pass cost, low-pass integrator, updates every step)' },
    tauhp: { type: 'number', default: 1.6, above: 0, help: 'analog: τhp, the cost high-pass time constant in steps' },
    costLimit: { type: 'number', default: 0, min: 0, help: 'clamp |C̃| to this (0: no clamp)' },
    costNoise: { type: 'number', default: 0, min: 0, help: 'Cσ: Gaussian noise on every cost measurement' },
    perturb: { type: 'string', default: 'weights', choices: ['weights', 'nodes'], help: 'perturb weights (losses only) or neurons\' pre-activations (node perturbation: needs the model)' },
    fdmaLow: { type: 'number', default: 0.05, above: 0, help: 'fdma: lowest frequency, cycles per step' },
    fdmaHigh: { type: 'number', default: 0.45, above: 0, help: 'fdma: highest frequency, cycles per step (below 0.5/τp)' },
  },
  check: checkCodeOptions,
  defaultLearningRate: 3e-3,
  // At most two cost measurements per step (C and C₀); analog mode measures one.
  cost: (o, batch) => (o.mode === 'analog' ? 1 : 2) * batch,
  create: (context, options) => {
    if (options.perturb === 'nodes') {
      const own = context.oracle instanceof ModelLossOracle && context.oracle.model === context.model;
      if (context.model === undefined || context.objective === undefined || (context.oracle !== undefined && !own)) {
        throw new TypeError('mgd --perturb nodes perturbs neurons inside the model graph; a black box offers losses only: use --perturb weights');
      }
      return new NodeMgd(context.model, context.objective, { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) });
    }
    if (context.oracle === undefined) throw new TypeError('mgd needs a loss oracle');
    return new Mgd(context.oracle, { ...options, seed: context.seed });
  },
});
