import { adam, adamw, sgd } from './aliases.js';
import { clipByGlobalNorm } from './clip.js';
import { constantSchedule, cosine, stepDecay, type Schedule } from './schedules.js';
import { chain, type GradientTransformation } from './transform.js';

export interface OptimizerConfig {
  /** A number, or a schedule such as createSchedule(...) returns. */
  readonly lr: number | Schedule;
  /** 'momentum' and 'nesterov' only; default 0.9. */
  readonly momentum?: number;
  /** 'adam' and 'adamw' only. */
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  /** Coupled L2 for 'sgd', 'momentum', 'nesterov' and 'adam' (default 0); decoupled for 'adamw' (default 1e-4). */
  readonly weightDecay?: number;
  /** Largest global norm of the gradient estimate, clipped before anything else; 0 or absent for none. */
  readonly clip?: number;
}

const OPTIMIZERS = {
  sgd: ({ lr, weightDecay }: OptimizerConfig) => sgd(lr, { weightDecay }),
  momentum: ({ lr, momentum = 0.9, weightDecay }: OptimizerConfig) => sgd(lr, { momentum, weightDecay }),
  nesterov: ({ lr, momentum = 0.9, weightDecay }: OptimizerConfig) => sgd(lr, { momentum, nesterov: true, weightDecay }),
  adam: ({ lr, b1, b2, eps, weightDecay }: OptimizerConfig) => adam(lr, { b1, b2, eps, weightDecay }),
  adamw: ({ lr, b1, b2, eps, weightDecay }: OptimizerConfig) => adamw(lr, { b1, b2, eps, weightDecay }),
};

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

/** An optimiser by name, for the CLI; throws a RangeError listing the names for an unknown one. */
export function createOptimizer(name: string, config: OptimizerConfig): GradientTransformation {
  const optimizer = OPTIMIZERS[known(name, OPTIMIZER_NAMES, 'optimizer')](config);
  return config.clip === undefined || config.clip === 0 ? optimizer : chain(clipByGlobalNorm(config.clip), optimizer);
}

export interface ScheduleConfig {
  /** 'step': decay every this many steps; required. */
  readonly every?: number;
  /** 'step': the factor per decay (default 0.1). */
  readonly factor?: number;
  /** 'cosine': warmup plus decay steps; required. */
  readonly totalSteps?: number;
  /** 'cosine': linear warmup steps from 0 (default 0). */
  readonly warmupSteps?: number;
  /** 'cosine': the value from totalSteps on (default 0). */
  readonly final?: number;
}

const SCHEDULES = {
  constant: (value: number) => constantSchedule(value),
  step: (value: number, { every, factor }: ScheduleConfig) => stepDecay(value, { every: required('step', 'every', every), factor }),
  cosine: (value: number, { totalSteps, warmupSteps, final }: ScheduleConfig) =>
    cosine(value, { totalSteps: required('cosine', 'totalSteps', totalSteps), warmupSteps, final }),
};

export type ScheduleName = keyof typeof SCHEDULES;
export const SCHEDULE_NAMES = Object.keys(SCHEDULES) as ScheduleName[];

/** A schedule by name whose base (or peak) value is `value`, for the CLI; options not used by that schedule are ignored. */
export function createSchedule(name: string, value: number, config: ScheduleConfig = {}): Schedule {
  return SCHEDULES[known(name, SCHEDULE_NAMES, 'schedule')](value, config);
}

function known<N extends string>(name: string, names: readonly N[], what: string): N {
  if (!(names as readonly string[]).includes(name)) throw new RangeError(`unknown ${what} '${name}'; valid names: ${names.join(', ')}`);
  return name as N;
}

function required(schedule: string, option: string, value: number | undefined): number {
  if (value === undefined) throw new RangeError(`the '${schedule}' schedule needs ${option}`);
  return value;
}
