/**
 * Federated zeroth-order algorithms as FZooS (Shu, Lin, Dai & Low, arXiv 2308.04077, §3–4)
 * writes them: client i's local step takes ĝ = g_i(x) + γ_t·c(x), the local estimate plus a
 * correction of the client's drift toward the global objective F = Σ w_i f_i, and the server
 * averages the clients' points, x_r = x_{r−1} + η_g Σ_i w_i (x_i − x_{r−1}).
 */

/** How each algorithm estimates and corrects its local gradients. */
export interface FederatedAlgorithm {
  readonly name: string;
  readonly summary: string;
  readonly paper: string;
  /** The local estimator (a loss-only method of the registry). */
  readonly local: 'rgf' | 'surrogate';
  /**
   * The correction c: none; proximal μ(x − x_{r−1}); control, a SCAFFOLD control variate
   * c − c_i (fresh: estimates at x_{r−1} this round; average: last round's mean local
   * estimates); features, FZooS's ∇μ̂_global(x) − ∇μ̂_i(x) of random-feature surrogates that
   * every client fits around x_{r−1} at the start of the round (as FZooS's code).
   */
  readonly correction: 'none' | 'proximal' | 'fresh-control' | 'average-control' | 'features';
}

export const FEDERATED_ALGORITHMS = {
  fedzo: {
    name: 'fedzo',
    summary: 'local RGF steps, plain averaging (no correction)',
    paper: 'Fang, Yu, Jiang, Shi, Jones & Zhou 2022, "Communication-efficient stochastic zeroth-order optimization for federated learning" (FedZO)',
    local: 'rgf',
    correction: 'none',
  },
  fedprox: {
    name: 'fedprox',
    summary: 'local RGF steps on f_i + (μ/2)‖x − x_{r−1}‖²',
    paper: 'Li, Sahu, Zaheer, Sanjabi, Talwalkar & Smith 2020, "Federated optimization in heterogeneous networks" (FedProx), with RGF estimates as FZooS\'s baseline',
    local: 'rgf',
    correction: 'proximal',
  },
  'scaffold-1': {
    name: 'scaffold-1',
    summary: 'SCAFFOLD with fresh control variates: c − c_i from RGF estimates at x_{r−1} (one more estimate per client per round)',
    paper: 'Karimireddy et al. 2020, "SCAFFOLD: stochastic controlled averaging for federated learning", option I, as FZooS\'s baseline',
    local: 'rgf',
    correction: 'fresh-control',
  },
  'scaffold-2': {
    name: 'scaffold-2',
    summary: 'SCAFFOLD with last round\'s mean local estimates as control variates',
    paper: 'Karimireddy et al. 2020, "SCAFFOLD: stochastic controlled averaging for federated learning", option II, as FZooS\'s baseline',
    local: 'rgf',
    correction: 'average-control',
  },
  fzoos: {
    name: 'fzoos',
    summary: 'local GP surrogate gradients with active queries, corrected by γ_t(∇μ̂_global − ∇μ̂_i) of random-feature surrogates fitted around x_{r−1}, γ_t = 1/t',
    paper: 'Shu, Lin, Dai & Low 2023, "Federated zeroth-order optimization using trajectory-informed surrogate gradients" (FZooS), §4 and App. 12',
    local: 'surrogate',
    correction: 'features',
  },
} as const satisfies Record<string, FederatedAlgorithm>;

export type FederatedAlgorithmName = keyof typeof FEDERATED_ALGORITHMS;

export const FEDERATED_ALGORITHM_NAMES = Object.keys(FEDERATED_ALGORITHMS) as FederatedAlgorithmName[];

/** How the server accepts a round: always, or only when the global loss did not rise (FZooS's code; costs one query per client and round). */
export type Acceptance = 'always' | 'global-loss';

export interface FederatedConfig {
  readonly algorithm: FederatedAlgorithmName;
  readonly rounds: number;
  /** Local steps T per round. */
  readonly localSteps: number;
  /** The clients' optimiser, by name (src/optim/registry.ts), and its learning rate: FZooS App. 12, Adam 0.01. */
  readonly optimizer: string;
  readonly lr: number;
  /** Start each round with a fresh optimiser state (FZooS's code). */
  readonly resetOptimizer: boolean;
  /** Server step η_g: 1 is averaging. */
  readonly serverLr: number;
  readonly acceptance: Acceptance;
  /** FedProx's μ (FZooS's code fixes 1). */
  readonly proximal: number;
  /** Options of the local estimator: rgf's (FZooS: 20 directions, μ = 0.01) or the surrogate's. */
  readonly estimator: Readonly<Record<string, number | string | boolean>>;
  /**
   * FZooS's random features: M, their lengthscale (code: 1, whatever the GP fitted), the
   * queries each fit uses, and the exploration before each fit (FZooS's code: of 200
   * candidates within mean|x_r − x_i|/2 of x_r, query the 50 of largest gradient uncertainty).
   */
  readonly features: number;
  readonly featureLengthscale: number;
  readonly featureNeighbours: number;
  readonly featureCandidates: number;
  readonly featureQueries: number;
  /** Client weights w_i (default equal); normalised over the clients that report. */
  readonly weights?: readonly number[];
  readonly seed: number;
}

/** The local estimators' defaults: FZooS App. 12 (RGF with 20 directions and μ = 0.01; a GP on the 150 nearest queries, min-max targets, 5 active queries of 100 candidates within 0.01, a query every step). */
export const LOCAL_DEFAULTS: Readonly<Record<FederatedAlgorithm['local'], Readonly<Record<string, number | string | boolean>>>> = {
  rgf: { directions: 20, epsilon: 0.01 },
  surrogate: { virtualSteps: 1, activeQueries: 5, candidates: 100, radius: 0.01, targetScaling: 'min-max', neighbours: 150, initialQueries: 15, initialRadius: 0.01 },
};

export const DEFAULT_FEDERATED: Omit<FederatedConfig, 'algorithm' | 'rounds' | 'localSteps' | 'seed'> = {
  optimizer: 'adam',
  lr: 0.01,
  resetOptimizer: true,
  serverLr: 1,
  acceptance: 'always',
  proximal: 1,
  estimator: {},
  features: 10_000,
  featureLengthscale: 1,
  featureNeighbours: 500,
  featureCandidates: 200,
  featureQueries: 50,
};

/**
 * A config with defaults filled and every field checked: RangeError naming the field for a
 * bad value (rounds or local steps below 1, an unknown algorithm, weights that do not match
 * the clients), TypeError for a wrong kind.
 */
export function resolveFederatedConfig(config: Partial<FederatedConfig> & Pick<FederatedConfig, 'algorithm' | 'rounds' | 'localSteps' | 'seed'>, clients: number): FederatedConfig {
  if (config === null || typeof config !== 'object') throw new TypeError('config must be an object');
  const resolved: FederatedConfig = { ...DEFAULT_FEDERATED, ...config };
  if (!Object.hasOwn(FEDERATED_ALGORITHMS, resolved.algorithm)) throw new RangeError(`algorithm must be one of ${FEDERATED_ALGORITHM_NAMES.join(', ')}; got '${String(resolved.algorithm)}'`);
  const count = (name: keyof FederatedConfig, min: number) => {
    const v = resolved[name];
    if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${typeof v}`);
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  count('rounds', 1);
  count('localSteps', 1);
  count('features', 1);
  count('featureNeighbours', 2);
  count('featureCandidates', 1);
  count('featureQueries', 0);
  if (resolved.featureQueries > resolved.featureCandidates) throw new RangeError(`featureQueries (${resolved.featureQueries}) must not exceed featureCandidates (${resolved.featureCandidates})`);
  count('seed', 0);
  for (const name of ['lr', 'serverLr', 'featureLengthscale'] as const) {
    if (!(resolved[name] > 0 && Number.isFinite(resolved[name]))) throw new RangeError(`${name} must be a finite number > 0, got ${resolved[name]}`);
  }
  if (!(resolved.proximal >= 0 && Number.isFinite(resolved.proximal))) throw new RangeError(`proximal must be a finite number ≥ 0, got ${resolved.proximal}`);
  if (resolved.acceptance !== 'always' && resolved.acceptance !== 'global-loss') throw new RangeError(`acceptance must be 'always' or 'global-loss'; got '${String(resolved.acceptance)}'`);
  if (!Number.isSafeInteger(clients) || clients < 1) throw new RangeError(`a federation needs at least one client, got ${clients}`);
  if (resolved.weights !== undefined && (resolved.weights.length !== clients || !resolved.weights.every((w) => w > 0 && Number.isFinite(w)))) {
    throw new RangeError(`weights must hold ${clients} finite numbers > 0 (one per client), got [${resolved.weights.join(', ')}]`);
  }
  return resolved;
}
