import type { Batch } from '../../data/batches.js';
import { type EmptySpaceOptions, emptySpaceSearch, resolveSearchOptions } from '../../explore/empty-space.js';
import type { LossOracle } from '../../objectives/loss-oracle.js';
import type { StepHook } from '../step.js';

/** The hook's name: its state is checkpointed as `hook:explore`. */
export const EXPLORE_HOOK = 'explore';

/**
 * The last k iterates as one [k, P] buffer, `count` of them filled, the newest at row
 * (next − 1) mod k; how many look-arounds ran and how many replaced θ. Fixed shapes, so a
 * checkpoint restores into a fresh state.
 */
export type ExploreState = { readonly iterates: Float32Array; readonly count: number; readonly next: number; readonly explorations: number; readonly accepted: number };

export interface ExploreOptions {
  /** Scores candidates: forward losses only (a model's program or a black box). */
  readonly oracle: LossOracle;
  /** Held-out examples that score θ and the candidates (never trained on). */
  readonly batch: Batch;
  /** Look around after every this many steps. */
  readonly every: number;
  /** k: the last k iterates are both the data set D and the anchors. */
  readonly anchors: number;
  readonly search?: EmptySpaceOptions;
  /** Most copies (candidates and θ) per engine call (default: all at once). */
  readonly copiesPerCall?: number;
}

/**
 * ExploRLer's look-around after updates (Zhang, Deb, Mueller 2025), for any estimator:
 * every `every` steps the last k iterates θ are the anchors and the data set of an
 * empty-space search (`emptySpaceSearch`, four candidates per anchor); θ and the
 * candidates are scored together by their mean forward loss on the held-out batch
 * (stacked copies, as dense offsets, in as few engine calls as `copiesPerCall` allows),
 * and θ is replaced by the best candidate only when it is better than θ. Every query
 * is counted in the run's. Unlike ExploRLer (episodes, a fresh optimiser) the score is
 * the held-out loss and the optimiser's state carries on.
 */
export function exploreHook(options: ExploreOptions): StepHook<ExploreState> {
  const { oracle, batch, every, anchors: k, search, copiesPerCall } = options;
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`every must be a positive integer, got ${every}`);
  if (!Number.isSafeInteger(k) || k < 2) throw new RangeError(`anchors must be an integer ≥ 2 (the search walks away from them), got ${k}`);
  const p = oracle.dimension;
  return {
    name: EXPLORE_HOOK,
    init: () => ({ iterates: new Float32Array(k * p), count: 0, next: 0, explorations: 0, accepted: 0 }),
    async afterUpdate(state, context) {
      const theta = context.params;
      const iterates = state.iterates.slice();
      iterates.set(theta, state.next * p);
      const recorded = { ...state, iterates, count: Math.min(k, state.count + 1), next: (state.next + 1) % k };
      if ((context.step + 1) % every !== 0 || recorded.count < 2) return { state: recorded, queries: 0 };
      const points = Array.from({ length: recorded.count }, (_, i) => iterates.subarray(i * p, (i + 1) * p));
      const candidates = emptySpaceSearch(points, points.map((_, i) => i), search);
      const explored = { ...recorded, explorations: state.explorations + 1 };
      if (candidates.length === 0) return { state: explored, queries: 0 };
      // Row 0 is θ itself; row c + 1 is candidate c − θ (frozen entries never move).
      const copies = candidates.length + 1;
      const offsets = new Float32Array(copies * p);
      candidates.forEach((c, i) => {
        const row = offsets.subarray((i + 1) * p, (i + 2) * p);
        for (let j = 0; j < p; j++) row[j] = context.mask ? (c[j]! - theta[j]!) * context.mask[j]! : c[j]! - theta[j]!;
      });
      const result = await oracle.evaluate({ params: theta, batch, perturbation: { kind: 'offsets', offsets, copies }, ...(copiesPerCall && { directionsPerCall: copiesPerCall }) });
      const m = result.losses.length / copies;
      const score = (c: number) => result.losses.subarray(c * m, (c + 1) * m).reduce((s, v) => s + v, 0) / m;
      let best = 0;
      let bestLoss = score(0);
      for (let c = 1; c < copies; c++) {
        const loss = score(c);
        if (loss < bestLoss) [best, bestLoss] = [c, loss];
      }
      if (best === 0) return { state: explored, queries: result.queries };
      const params = theta.map((v, j) => v + offsets[best * p + j]!);
      return { state: { ...explored, accepted: state.accepted + 1 }, queries: result.queries, params };
    },
  };
}

/** What `--explore` says: how often, how many anchors, and the search's settings. */
export interface ExploreSpec {
  readonly every: number;
  readonly anchors: number;
  readonly search: EmptySpaceOptions;
}

const SEARCH_KEYS = { moves: 'moves', keep: 'keepEvery', neighbours: 'neighbours', momentum: 'momentum', step: 'step', epsilon: 'epsilon' } as const;

/**
 * 'every=10,anchors=5' (required), optionally with the search's moves, keep (keep a
 * candidate every this many moves), neighbours, momentum, step and epsilon.
 * @throws RangeError naming the key and the valid ones.
 */
export function parseExploreSpec(text: string): ExploreSpec {
  const values: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*([^\s,]+)\s*$/.exec(part);
    const keys = ['every', 'anchors', ...Object.keys(SEARCH_KEYS)];
    if (!m || !keys.includes(m[1]!)) throw new RangeError(`exploration '${text}': '${part}' is not key=value with a key among ${keys.join(', ')}`);
    const v = Number(m[2]);
    if (!Number.isFinite(v)) throw new RangeError(`exploration '${text}': ${m[1]} must be a number, got '${m[2]}'`);
    values[m[1]!] = v;
  }
  const integer = (key: string, min: number): number => {
    const v = values[key];
    if (v === undefined || !Number.isSafeInteger(v) || v < min) throw new RangeError(`exploration '${text}': ${key} must be an integer ≥ ${min}${v === undefined ? ' (required)' : `, got ${v}`}`);
    return v;
  };
  const search = Object.fromEntries(Object.entries(SEARCH_KEYS).flatMap(([key, option]) => (values[key] === undefined ? [] : [[option, values[key]]])));
  try {
    resolveSearchOptions(search);
  } catch (e) {
    throw new RangeError(`exploration '${text}': ${(e as Error).message}`);
  }
  return { every: integer('every', 1), anchors: integer('anchors', 2), search };
}
