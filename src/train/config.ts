import type { AllocatorName } from '../allocators/registry.js';
import type { EstimatorName } from '../estimators/registry.js';
import type { OptimizerName, ScheduleName } from '../optim/registry.js';

/** Everything that determines a training run; stored in its checkpoints. */
export interface TrainConfig {
  /** 'mnist' | 'fashion-mnist' | 'cifar10:<dir>' | 'idx:<dir>' | 'csv:<file>'. */
  readonly dataset: string;
  /** Train and test on these classes only (labels unchanged), e.g. to pretrain on some and fine-tune on others. */
  readonly classes?: readonly number[];
  /** Start from the parameters of this checkpoint (a run directory or file) instead of a fresh initialisation. */
  readonly init?: string;
  /** 'mlp:784-256-256-10' | 'cnn' | …, see modelFromSpec. */
  readonly model: string;
  readonly method: EstimatorName;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly schedule: ScheduleName;
  /** Linear warmup steps for the cosine schedule. */
  readonly warmupSteps: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Largest gradient-estimate norm (0: no clipping). */
  readonly clip: number;
  readonly seed: number;
  /** Directions per step (K) for perturbation estimators; estimator default when absent. */
  readonly directions?: number;
  /** Most directions per engine call (spsa, cge); fewer save memory. */
  readonly directionsPerCall?: number;
  readonly epsilon?: number;
  readonly noise?: 'gaussian' | 'rademacher';
  readonly scheme?: 'central' | 'forward';
  /** Split each step's queries between examples with this allocator (lr, fg-a, spsa, fg-w). */
  readonly allocator?: AllocatorName;
  /** With an allocator: average queries per example per step (the step budget is this × batch). */
  readonly queriesPerExample?: number;
  /** Stop after this many queries in total (forward evaluations × examples). */
  readonly queries?: number;
  /** Stop after this many steps in total. */
  readonly steps?: number;
  /** Stop after this much training wall time, in seconds. */
  readonly seconds?: number;
  readonly evalBatchSize: number;
  /** Intra-op threads for onnxruntime (default: its choice). */
  readonly threads?: number;
  readonly device: string;
}

/** The run a bare `forwardprop train` makes: forward gradients (fg-a) on the embedded MNIST. */
export const DEFAULT_CONFIG: TrainConfig = {
  dataset: 'mnist',
  model: 'mlp',
  method: 'fg-a',
  epochs: 20,
  batchSize: 64,
  optimizer: 'adam',
  lr: 1e-3,
  schedule: 'cosine',
  warmupSteps: 0,
  momentum: 0.9,
  weightDecay: 0,
  clip: 0,
  seed: 0,
  evalBatchSize: 1000,
  device: 'cpu',
};

/** Learning rates that work for each method with Adam (see the README's results); a run's --lr overrides them. */
export const DEFAULT_LR: Readonly<Record<EstimatorName, number>> = {
  bp: 1e-3, 'l-bp': 1e-3, 'lg-bp': 1e-3, fa: 1e-3, 'l-fa': 1e-3, 'lg-fa': 1e-3, dfa: 1e-3,
  'fg-w': 3e-3, 'fg-a': 3e-3, 'lg-fg-w': 3e-3, 'lg-fg-a': 3e-3, lr: 3e-3, spsa: 3e-3, cge: 1e-3,
};

/** Keys that may change when a run is resumed: how long and where it runs, not what it computes. */
export const BUDGET_KEYS: readonly (keyof TrainConfig)[] = ['epochs', 'queries', 'steps', 'seconds', 'evalBatchSize', 'threads', 'device', 'directionsPerCall'];
