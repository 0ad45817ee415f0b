import type { Statistics } from '../allocators/allocator.js';
import type { AllocatorName } from '../allocators/registry.js';
import type { OptionValue } from '../estimators/options.js';
import type { EstimatorName } from '../estimators/registry.js';
import type { PromptOptions } from '../nn/adapt.js';
import type { OptimizerName, ScheduleName } from '../optim/registry.js';
import type { CorrectionMode } from './hooks/gradient-correction.js';

/** Everything that determines a training run; stored in its checkpoints. */
export interface TrainConfig {
  /** 'mnist' | 'fashion-mnist' | 'cifar10:<dir>' | 'idx:<dir>' | 'csv:<file>'. */
  readonly dataset: string;
  /** Train and test on these classes only (labels unchanged), e.g. to pretrain on some and fine-tune on others. */
  readonly classes?: readonly number[];
  /** Standardise inputs per channel by the training split's mean and std (the papers' preprocessing); default: pixels in [0, 1]. */
  readonly normalize?: boolean;
  /** Start from the parameters of this checkpoint (a run directory or file) instead of a fresh initialisation. */
  readonly init?: string;
  /** 'mlp:784-256-256-10' | 'cnn' | … (see modelFromSpec) | 'onnx:<file>' (an imported model, starting from the file's weights). */
  readonly model: string;
  /** Imported models: globs of the parameters to train, comma-separated (default: all, or none with `lora` or `prompt`). */
  readonly trainable?: string;
  /** Imported models: LoRA adapters on the matrix weights `targets` selects (globs). */
  readonly lora?: { readonly rank: number; readonly alpha?: number; readonly targets: string };
  /** Imported models: learnable prompt tokens after the patch embedding, or a visual prompt on a `border`-pixel frame (0: every pixel). */
  readonly prompt?: PromptOptions;
  /** Imported models: run the file as it is in onnxruntime and train through its outputs (loss-only methods); automatic when the importer does not map an op of the file. */
  readonly blackBox?: boolean;
  /** What is minimised: 'cross-entropy', 'cross-entropy:<label smoothing>' or 'mse'. */
  readonly objective: string;
  readonly method: EstimatorName;
  /** The method's options as given (checked against its descriptor; the rest take its defaults). */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** The plan: passes over the data. Schedules span it; budgets only pause it. */
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
  /** Split each step's queries between examples with this allocator (methods whose descriptor allows it). */
  readonly allocator?: AllocatorName;
  /** With an allocator: where it reads per-example statistics from, 'running' or 'fresh' (a pilot at each step's θ); default: the allocator's own (flops fresh, the others running). */
  readonly allocatorStatistics?: Statistics;
  /** With an allocator: average queries per example per step (the step budget is this × batch). */
  readonly queriesPerExample?: number;
  /** Pause after this many queries in total (forward evaluations × examples): a hard limit, never exceeded. */
  readonly queries?: number;
  /** Pause after this many steps in total. */
  readonly steps?: number;
  /** Pause after this much training wall time, in seconds. */
  readonly seconds?: number;
  /**
   * Sparse sub-nets (AST), one per pattern, trained in turn: densities ('0.1,0.05,0.02')
   * or N:M patterns ('2:4,1:4,1:8'). One pattern is plain sparse training.
   */
  readonly subnets?: string;
  /** Gradient correction between consecutive sub-nets (K > 1; default 'plain'): 'none', 'plain' or 'ema'. */
  readonly correction?: 'none' | CorrectionMode;
  /** Sub-net masks are pruned, regrown or re-chosen every this many steps (default 100). */
  readonly maskEvery?: number;
  /** Share of the plan over which density sub-nets are pruned from dense (default 0.69, AST's 110 of 160 epochs); 0: sparse from the start. */
  readonly pruneUntil?: number;
  /** Parameter-name globs the sub-nets' masks cover (default: every weight of rank ≥ 2). */
  readonly sparseParams?: string;
  /** Exploration around updates (ExploRLer): 'every=<steps>,anchors=<k>[,moves=…,keep=…,neighbours=…,momentum=…,step=…,epsilon=…]'. */
  readonly explore?: string;
  /** Training examples held out (seeded) and never trained on: exploration scores candidates on them. */
  readonly holdout?: number;
  readonly evalBatchSize: number;
  /** Intra-op threads for onnxruntime (default: its choice). */
  readonly threads?: number;
  readonly device: string;
}

/** The run a bare `forwardprop train` makes: forward gradients (fg-a) on the embedded MNIST. */
export const DEFAULT_CONFIG: TrainConfig = {
  dataset: 'mnist',
  model: 'mlp',
  objective: 'cross-entropy',
  method: 'fg-a',
  options: {},
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

/**
 * Keys that may change when a run is resumed: how long and where it runs, not what it
 * computes. `epochs` extends (or shortens) the plan, and the schedule with it.
 */
export const BUDGET_KEYS: readonly (keyof TrainConfig)[] = ['epochs', 'queries', 'steps', 'seconds', 'evalBatchSize', 'threads', 'device'];
