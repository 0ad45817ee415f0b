import type { Allocator, FreshStatistics, Statistics } from '../allocators/allocator.js';
import { createAllocator } from '../allocators/registry.js';
import type { Batch } from '../data/batches.js';
import type { Estimator, EstimatorContext } from '../estimators/estimator.js';
import { createEstimator, descriptor } from '../estimators/registry.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import type { LossOracle } from '../objectives/loss-oracle.js';
import type { State } from '../state/state.js';
import { runStream } from './seeds.js';

/** What a pilot measures on: the step's θ, batch and number, and the estimator's current state. */
export interface PilotContext {
  readonly params: Float32Array;
  readonly batch: Batch;
  readonly step: number;
  readonly estimator: State;
  readonly mask?: Float32Array;
}

/** Measures an allocator's fresh statistics at the step's θ (`Allocator.pilot`), and what that cost in queries. */
export interface Pilot {
  measure(kind: 'loss' | 'variance', context: PilotContext): Promise<{ readonly fresh: FreshStatistics; readonly queries: number }>;
  dispose(): Promise<void>;
}

/** A step's query allocation: the allocator, its unit, the budget for a batch of b examples and, for allocators that measure at θ, the pilot. */
export interface QueryAllocation {
  readonly allocator: Allocator;
  readonly unit: number;
  readonly budget: (b: number) => number;
  readonly pilot?: Pilot;
}

/**
 * A step's query budget (whole units, at least the minimum for every example) and unit,
 * from the method's descriptor; throws a RangeError for a method that takes no allocation.
 */
export function queryAllocation(config: { readonly method: string; readonly queriesPerExample?: number }): { unit: number; budget: (batch: number) => number } {
  const allocation = descriptor(config.method).allocation;
  if (allocation === undefined) throw new RangeError(`method ${config.method} takes no query allocation`);
  const { unit } = allocation;
  const perExample = config.queriesPerExample ?? allocation.queriesPerExample;
  if (perExample < unit) throw new RangeError(`queries per example must be at least ${unit} for ${config.method}, got ${perExample}`);
  return { unit, budget: (batch) => unit * Math.max(batch, Math.round((perExample * batch) / unit)) };
}

/** Queries of one step on b examples under `allocation`: the budget, plus the pilot's (one per example for losses, two units for variances). */
export function stepQueries(allocation: QueryAllocation, b: number): number {
  const pilot = allocation.allocator.pilot;
  return allocation.budget(b) + (pilot === 'loss' ? b : pilot === 'variance' ? 2 * allocation.unit * b : 0);
}

/**
 * The pilot of FLOPS-style allocation. A loss pilot asks the loss oracle for each
 * example's loss at θ (one query per example). A variance pilot runs the step's method
 * with two units of queries per example under its own noise seed, so its per-example
 * variances are independent of the step's estimate (reusing the estimate's own noise
 * would make the allocation depend on it, and the estimate biased); its gradient is
 * discarded. Both pay their queries, which the step counts.
 */
export class AllocationPilot implements Pilot {
  private zeros?: Float32Array;

  constructor(
    /** `ownsOracle`: the oracle was made for the pilot, and goes with it. */
    private readonly sources: { readonly oracle?: LossOracle; readonly ownsOracle?: boolean; readonly estimator?: Estimator; readonly unit: number },
  ) {}

  async measure(kind: 'loss' | 'variance', { params, batch, step, estimator: state, mask }: PilotContext): Promise<{ fresh: FreshStatistics; queries: number }> {
    if (kind === 'loss') {
      const oracle = this.sources.oracle ?? missing('a loss oracle', kind);
      if (this.zeros?.length !== params.length) this.zeros = new Float32Array(params.length);
      const { losses, queries } = await oracle.evaluate({ params, batch, perturbation: { kind: 'offsets', offsets: this.zeros, copies: 1 } });
      return { fresh: { loss: losses }, queries };
    }
    const estimator = this.sources.estimator ?? missing('an estimator', kind);
    const allocation = new Int32Array(batch.y.shape[0]!).fill(2 * this.sources.unit);
    const { estimate } = await estimator.estimate(state, { params, batch, step, allocation, ...(mask && { mask }) });
    return { fresh: { loss: estimate.perExample.loss, ...(estimate.perExample.variance && { variance: estimate.perExample.variance }) }, queries: estimate.queries };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.sources.estimator?.dispose(), this.sources.ownsOracle ? this.sources.oracle?.dispose() : undefined]);
  }
}

function missing(what: string, kind: string): never {
  throw new TypeError(`a ${kind} pilot needs ${what}`);
}

export interface AllocationSetup {
  /** The allocator's name (see ALLOCATORS) and where it reads statistics from (default: its own). */
  readonly allocator: string;
  readonly statistics?: Statistics;
  readonly method: string;
  /** The method's options (the pilot estimator runs with the same). */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly queriesPerExample?: number;
  /** What the method is built on: its model and objective, or a loss oracle (the seed is the pilot's own). */
  readonly context: Omit<EstimatorContext, 'seed'>;
  /** The run's seed: the allocator's and the pilot's noise streams derive from it. */
  readonly seed: number;
}

/**
 * A run's query allocation, pilot included when the allocator measures at θ: losses
 * come from `context.oracle` or, on a model, a ModelLossOracle of its own; a variance
 * pilot is the method again under a derived seed. Dispose the pilot with the run.
 */
export function createQueryAllocation(setup: AllocationSetup): QueryAllocation {
  const allocator = createAllocator(setup.allocator, { seed: runStream(setup.seed, 'allocator'), ...(setup.statistics && { statistics: setup.statistics }) });
  const { unit, budget } = queryAllocation(setup);
  if (allocator.pilot === undefined) return { allocator, unit, budget };
  const { context } = setup;
  const ownsOracle = allocator.pilot === 'loss' && context.oracle === undefined && context.model !== undefined && context.objective !== undefined;
  const oracle = ownsOracle ? new ModelLossOracle(context.model!, context.objective!, context.compile) : context.oracle;
  const estimator = allocator.pilot === 'variance' ? createEstimator(setup.method, { ...context, seed: runStream(setup.seed, 'pilot') }, setup.options) : undefined;
  return { allocator, unit, budget, pilot: new AllocationPilot({ ...(oracle && { oracle, ownsOracle }), ...(estimator && { estimator }), unit }) };
}
