import type { Estimate } from '../estimators/estimator.js';
import type { StepHook } from '../train/step.js';

/** What the correction hook keeps during a round: local steps seen, Σ‖γ_t c‖, and the sum of the raw estimates (SCAFFOLD II's control variate). */
export type FederatedCorrectionState = { readonly t: number; readonly norm: number; readonly sum: Float32Array };

export interface FederatedCorrectionOptions {
  /** c at the current local point x (length P), or null for no correction this round. */
  readonly correction: ((x: Float32Array) => Float64Array) | null;
  /** γ_t for local step t = 1, 2, … (FZooS: 1/t; SCAFFOLD, FedProx: 1). */
  readonly weight: (t: number) => number;
  /** Sum the raw estimates, before the correction (SCAFFOLD II averages them into the next control variate). */
  readonly sumEstimates: boolean;
}

/**
 * A client's local step ĝ = g_i(x) + γ_t·c(x) as a step hook (FZooS §3): the local estimate,
 * corrected at the point the step is taken from, before the optimiser sees it. Estimates
 * without a gradient pass through untouched.
 */
export function federatedCorrectionHook({ correction, weight, sumEstimates }: FederatedCorrectionOptions): StepHook<FederatedCorrectionState> {
  return {
    name: 'correction',
    init: (params) => ({ t: 0, norm: 0, sum: new Float32Array(sumEstimates ? params.length : 0) }),
    afterEstimate(state, estimate, { params }): { estimate: Estimate; state: FederatedCorrectionState } {
      const raw = estimate.grad;
      if (!raw) return { estimate, state };
      const t = state.t + 1;
      const sum = sumEstimates ? state.sum.map((v, i) => v + raw[i]!) : state.sum;
      if (correction === null) return { estimate, state: { t, norm: state.norm, sum } };
      const c = correction(params);
      const gamma = weight(t);
      let squares = 0;
      const grad = Float32Array.from(raw, (g, i) => {
        const term = gamma * c[i]!;
        squares += term * term;
        return g + term;
      });
      return { estimate: { ...estimate, grad }, state: { t, norm: state.norm + Math.sqrt(squares), sum } };
    },
  };
}
