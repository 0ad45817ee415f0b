import type { LossOracle, LossRequest, LossResult } from '../objectives/loss-oracle.js';
import { stepKey } from '../objectives/directions.js';
import { fillUniform } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';
import { fitGaussianProcess } from '../surrogate/fit-gaussian-process.js';
import { GaussianProcess, type GpHyperparameters } from '../surrogate/gaussian-process.js';
import { type HistoryState, QueryHistory } from '../surrogate/history.js';
import { KERNEL_NAMES, type KernelName } from '../surrogate/kernels.js';
import { TARGET_SCALINGS, type TargetScaling } from '../surrogate/target-scaling.js';
import { selectActiveQueries } from '../surrogate/zord.js';
import { type EstimateRequest, type Estimated, defineEstimator, type LossOnlyEstimator, askAndTell, noAllocation } from './estimator.js';
import { freeCoordinates, offsetRequest, pointSamples, recordPoints } from './point-queries.js';

export interface SurrogateOptions {
  /** N: the GP is fitted on the N queries nearest to θ. */
  readonly neighbours: number;
  /** Queries the history keeps (oldest evicted first); memory is capacity × P × 8 bytes. */
  readonly capacity: number;
  readonly kernel: KernelName;
  readonly targetScaling: TargetScaling;
  /** Likelihood restarts per refit, besides the warm start from the previous hyperparameters. */
  readonly restarts: number;
  /** Refit the hyperparameters every this many query steps; in between the GP is conditioned with the last ones. */
  readonly refitEvery: number;
  /** Fit the observation noise σ_n² too (noisy losses: minibatches); otherwise fixed at 1e-6. */
  readonly fitNoise: boolean;
  /** Take a virtual step (no query) while the gradient uncertainty at θ is below this. */
  readonly threshold: number;
  /** Most steps per query, the query step included: 1 queries at every step. */
  readonly virtualSteps: number;
  /** Extra queries per query step where the gradient uncertainty is largest. */
  readonly activeQueries: number;
  /** Active-query candidates θ + δ, δ ~ U[−radius, radius]^P. */
  readonly candidates: number;
  readonly radius: number;
  /** The first step queries θ and initialQueries − 1 points θ + δ, δ ~ U[−initialRadius, initialRadius]^P. */
  readonly initialQueries: number;
  readonly initialRadius: number;
}

/** Everything the surrogate learns, as plain data: the query history and the GP's fitted hyperparameters. */
export type SurrogateState = {
  readonly history: HistoryState;
  /** The shared lengthscale, warm start of the next fit. */
  readonly lengthscale: number;
  readonly noiseVariance: number;
  /** Steps since the last query step, that one included (0 before the first query). */
  readonly virtual: number;
  /** Query steps since the hyperparameters were last fitted. */
  readonly age: number;
  /** θ at the last query step: virtual steps use the GP on the queries nearest to it. */
  readonly anchor: Float32Array;
};

/** Streams under a step's key: the initial design, active-query candidates, likelihood restarts. */
const INITIAL_STREAM = 0;
const ACTIVE_STREAM = 1;
const FIT_STREAM = 2;
const NOISE_VARIANCE = 1e-6;
/** The largest query history init will allocate. */
const HISTORY_BYTES = 2 ** 30;

/**
 * ZoRD (Shu, Dai, Sng, Verma, Jaillet & Low, "Zeroth-order optimization with
 * trajectory-informed derivative estimation", ICLR 2023, §3–4): the gradient is the analytic
 * gradient of a Gaussian process's posterior mean, ∇μ(θ) = ∂k(θ)ᵀ(K + σ²I)⁻¹y, the GP fitted by
 * marginal likelihood on the N queries nearest to θ from the history of every query made so
 * far (the state). Steps need no queries while the surrogate is trusted: after a query step,
 * each next step is *virtual* (∇μ only) while the gradient uncertainty at θ (the derived GP's
 * variance ratio, averaged over all inputs) stays below `threshold`, at most `virtualSteps`
 * steps per query, as ZoRD's dynamic virtual updates; each step is the trainer's optimiser
 * step, so Adam takes them as in ZoRD's code. A query step evaluates θ (and, with
 * `activeQueries`, the candidates of largest gradient uncertainty: FZooS's active queries),
 * adds them to the history and refits the GP, warm-started from the last hyperparameters
 * (every `refitEvery` query steps; in between it conditions on the new queries only). Virtual
 * steps keep the GP of the last query step, as ZoRD's virtual updates do.
 * The first step queries an initial design around θ (ZoRD's 15 random queries).
 *
 * Costs: the first step initialQueries × batch queries, a query step (1 + activeQueries) ×
 * batch, a virtual step none; a refit O(N³) per likelihood evaluation. On a virtual step the
 * reported loss is the surrogate's prediction μ(θ). Losses that are not finite leave the
 * state unchanged and give an estimate without a gradient and with a NaN loss (the trainer
 * stops on it). Not from ZoRD's code: the analytic ∇μ, the all-input uncertainty, the
 * bounded history (see docs/methods/surrogate.md); ZoRD's restart from the best query and
 * its Adam reset are the optimiser's business and are not done here.
 */
export class SurrogateGradient implements LossOnlyEstimator<SurrogateState> {
  readonly name = 'surrogate';
  /** The last GP built, by its conditioning set and hyperparameters (a cache: rebuilding gives the same GP). */
  private cached?: { readonly key: string; readonly gp: GaussianProcess; readonly warnings: readonly string[] };

  constructor(
    readonly oracle: LossOracle,
    private readonly options: SurrogateOptions & { readonly seed: Seed },
  ) {}

  /** Throws RangeError when the history would not fit in memory (capacity × P × 8 bytes above 1 GiB). */
  init(params: Float32Array): SurrogateState {
    const bytes = this.options.capacity * params.length * 8;
    if (bytes > HISTORY_BYTES) {
      throw new RangeError(`surrogate: a history of ${this.options.capacity} queries of ${params.length} parameters needs ${(bytes / 2 ** 30).toFixed(1)} GiB; lower the option capacity (a GP in that many dimensions needs few queries near θ anyway)`);
    }
    return { history: new QueryHistory(params.length, this.options.capacity).toState(), lengthscale: 1, noiseVariance: NOISE_VARIANCE, virtual: 0, age: 0, anchor: new Float32Array(params.length) };
  }

  ask(state: SurrogateState, request: EstimateRequest): LossRequest | null {
    noAllocation(this.name, request);
    const { params, mask } = request;
    const history = surrogateHistory(state);
    if (history.dimension !== params.length) throw new RangeError(`surrogate: the state's history has dimension ${history.dimension}, θ ${params.length}`);
    const key = stepKey(this.options.seed, request.step);
    if (freeCoordinates(params.length, mask).length === 0) throw new RangeError('surrogate: the mask leaves no parameter free');
    const restrict = (offset: Float64Array) => (mask ? offset.map((v, i) => v * mask[i]!) : offset);
    if (history.size === 0) {
      const { initialQueries: n, initialRadius: r } = this.options;
      const u = new Float64Array((n - 1) * params.length);
      fillUniform(u, deriveSeed(key, INITIAL_STREAM));
      const design = Array.from({ length: n - 1 }, (_, c) => restrict(u.subarray(c * params.length, (c + 1) * params.length).map((v) => r * (2 * v - 1))));
      return offsetRequest(request, [new Float64Array(params.length), ...design]);
    }
    const theta = Float64Array.from(params);
    const { gp } = this.surrogateAt(history, state);
    if (state.virtual > 0 && state.virtual < this.options.virtualSteps && gp.gradientUncertainty(theta) < this.options.threshold) return null;
    const { activeQueries: count, candidates, radius } = this.options;
    const active = count === 0 ? [] : selectActiveQueries(gp, theta, { seed: deriveSeed(key, ACTIVE_STREAM), candidates, radius, count });
    return offsetRequest(request, [new Float64Array(params.length), ...active.map((q) => restrict(q.x.map((v, i) => v - theta[i]!)))]);
  }

  tell(state: SurrogateState, request: EstimateRequest, result: LossResult | null): Estimated<SurrogateState> {
    const { params, mask, batch } = request;
    const b = batch.x.shape[0]!;
    const theta = Float64Array.from(params);
    const masked = (g: Float64Array) => Float32Array.from(g, (v, i) => (mask && mask[i] === 0 ? 0 : v));
    if (result === null) {
      const { gp, warnings } = this.surrogateAt(surrogateHistory(state), state);
      const loss = gp.mean(theta);
      return {
        estimate: { grad: masked(gp.meanGradient(theta)), loss, queries: 0, perExample: { loss: new Float32Array(b).fill(loss) }, ...(warnings.length > 0 && { warnings }) },
        state: { ...state, virtual: state.virtual + 1 },
      };
    }
    const asked = this.ask(state, request);
    if (asked === null) throw new TypeError('surrogate: a loss result for a virtual step, which asks no queries');
    const samples = pointSamples(asked, result);
    const perExample = { loss: result.losses.slice(0, b) };
    if (!samples.losses.every(Number.isFinite)) return { estimate: { loss: Number.NaN, queries: result.queries, perExample, samples }, state };
    const history = surrogateHistory(state);
    const first = history.size === 0;
    recordPoints(history, samples, request.step);
    const warnings: string[] = [];
    const nearest = history.nearest(theta, this.options.neighbours);
    const refit = first || state.age + 1 >= this.options.refitEvery;
    const { kernel, targetScaling, restarts, fitNoise } = this.options;
    const onWarning = (w: string) => warnings.push(`surrogate: ${w}`);
    const points = nearest.map((q) => q.x);
    const values = nearest.map((q) => q.y);
    const gp = refit
      ? fitGaussianProcess(points, values, {
          kernel,
          targetScaling,
          restarts,
          seed: deriveSeed(stepKey(this.options.seed, request.step), FIT_STREAM),
          initial: { lengthscales: new Float64Array([state.lengthscale]), noiseVariance: state.noiseVariance },
          fitNoiseVariance: fitNoise,
          onWarning,
        }).gp
      : new GaussianProcess(points, values, { kernel, targetScaling, hyperparameters: hyperparameters(state), onWarning });
    this.cached = { key: conditioningKey(nearest.map((q) => q.serial), gp.hyperparameters.lengthscales[0]!, gp.hyperparameters.noiseVariance), gp, warnings };
    const free = freeCoordinates(params.length, mask).length;
    if (first && this.options.neighbours < free + 1) {
      warnings.push(`surrogate: the GP sees at most ${this.options.neighbours} queries in ${free} dimensions, so its gradient lies in the span of their differences (a subspace of dimension < ${this.options.neighbours})`);
    }
    return {
      estimate: { grad: masked(gp.meanGradient(theta)), loss: samples.losses[0]!, queries: result.queries, perExample, samples, ...(warnings.length > 0 && { warnings }) },
      state: {
        history: history.toState(),
        lengthscale: gp.hyperparameters.lengthscales[0]!,
        noiseVariance: gp.hyperparameters.noiseVariance,
        virtual: 1,
        age: refit ? 0 : state.age + 1,
        anchor: params.slice(),
      },
    };
  }

  estimate(state: SurrogateState, request: EstimateRequest): Promise<Estimated<SurrogateState>> {
    return askAndTell(this, state, request);
  }

  /** Holds nothing but a cache; the oracle belongs to whoever made it. */
  async dispose(): Promise<void> {
    this.cached = undefined;
  }

  /** The GP of the last query step: the state's hyperparameters on the queries nearest to its θ (the anchor). */
  private surrogateAt(history: QueryHistory, state: SurrogateState): { gp: GaussianProcess; warnings: readonly string[] } {
    const nearest = history.nearest(Float64Array.from(state.anchor), this.options.neighbours);
    const key = conditioningKey(nearest.map((q) => q.serial), state.lengthscale, state.noiseVariance);
    if (this.cached?.key !== key) {
      const warnings: string[] = [];
      const gp = new GaussianProcess(
        nearest.map((q) => q.x),
        nearest.map((q) => q.y),
        { kernel: this.options.kernel, targetScaling: this.options.targetScaling, hyperparameters: hyperparameters(state), onWarning: (w) => warnings.push(`surrogate: ${w}`) },
      );
      this.cached = { key, gp, warnings };
    }
    return this.cached!;
  }
}

function hyperparameters(state: SurrogateState): GpHyperparameters {
  return { lengthscales: new Float64Array([state.lengthscale]), signalVariance: 1, noiseVariance: state.noiseVariance };
}

/** The history held by a surrogate state (a copy: adding to it leaves the state as it was). */
export function surrogateHistory(state: SurrogateState): QueryHistory {
  return QueryHistory.fromState(state.history);
}

function conditioningKey(serials: readonly number[], lengthscale: number, noiseVariance: number): string {
  return `${lengthscale}|${noiseVariance}|${serials.join(',')}`;
}

export const surrogate = defineEstimator<SurrogateOptions>({
  name: 'surrogate',
  summary: 'ZoRD: the gradient of a Gaussian-process surrogate fitted to the query history, with virtual steps that need no queries (losses only)',
  paper: 'Shu, Dai, Sng, Verma, Jaillet & Low 2023, "Zeroth-order optimization with trajectory-informed derivative estimation" (ICLR), §3–4; active queries: Shu, Lin, Dai & Low 2023 (FZooS), App. 12',
  needs: 'losses',
  options: {
    neighbours: { type: 'integer', default: 150, min: 2, help: 'the GP is fitted on the N queries nearest to θ' },
    capacity: { type: 'integer', default: 1000, min: 2, help: 'queries kept in the history (oldest evicted first; memory capacity × P × 8 bytes)' },
    kernel: { type: 'string', default: 'matern52', choices: KERNEL_NAMES, help: 'GP kernel' },
    targetScaling: { type: 'string', default: 'standardize', choices: TARGET_SCALINGS, help: 'how losses are rescaled for the GP (ZoRD: standardize, FZooS: min-max)' },
    restarts: { type: 'integer', default: 5, min: 0, help: 'marginal-likelihood restarts per refit, besides the warm start' },
    refitEvery: { type: 'integer', default: 1, min: 1, help: 'refit the GP hyperparameters every this many query steps (conditioning only in between)' },
    fitNoise: { type: 'boolean', default: false, help: 'fit the observation noise (noisy losses, e.g. minibatches); otherwise 1e-6' },
    threshold: { type: 'number', default: 0.35, min: 0, max: 1, help: 'take virtual steps while the gradient uncertainty is below this' },
    virtualSteps: { type: 'integer', default: 10, min: 1, help: 'most steps per query, the query step included (1: query every step)' },
    activeQueries: { type: 'integer', default: 0, min: 0, help: 'extra queries per query step where the gradient uncertainty is largest' },
    candidates: { type: 'integer', default: 100, min: 1, help: 'active-query candidates drawn around θ' },
    radius: { type: 'number', default: 0.01, above: 0, help: 'active-query candidates θ + U[−radius, radius]' },
    initialQueries: { type: 'integer', default: 15, min: 2, help: 'queries of the first step: θ and points around it' },
    initialRadius: { type: 'number', default: 0.1, above: 0, help: 'the initial design θ + U[−r, r]' },
  },
  defaultLearningRate: 3e-3,
  // The first step costs initialQueries × batch, a query step 1 + activeQueries, a virtual step nothing.
  cost: (o, batch) => Math.max(o.initialQueries, 1 + o.activeQueries) * batch,
  variableCost: true,
  create: (context, options) => {
    if (context.oracle === undefined) throw new TypeError('surrogate needs a loss oracle');
    if (options.capacity < options.neighbours) throw new RangeError(`surrogate option capacity (${options.capacity}) must hold the GP's neighbours (${options.neighbours})`);
    if (options.capacity < options.initialQueries || options.capacity < 1 + options.activeQueries) {
      throw new RangeError(`surrogate option capacity (${options.capacity}) must hold one step's queries (initialQueries ${options.initialQueries}, 1 + activeQueries ${1 + options.activeQueries})`);
    }
    if (options.activeQueries > options.candidates) throw new RangeError(`surrogate option activeQueries (${options.activeQueries}) must not exceed candidates (${options.candidates})`);
    return new SurrogateGradient(context.oracle, { ...options, seed: context.seed });
  },
});
