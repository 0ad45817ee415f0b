import { createOptimizer, createSchedule } from '../optim/registry.js';
import type { Schedule } from '../optim/schedules.js';
import type { GradientTransformation } from '../optim/transform.js';
import type { TrainConfig } from './config.js';

/** The run's learning-rate schedule over a plan of `plannedSteps` steps: the step schedule decays tenfold twice, at a third and two thirds. */
export function runSchedule(config: Pick<TrainConfig, 'schedule' | 'lr' | 'warmupSteps'>, plannedSteps: number): Schedule {
  return createSchedule(config.schedule, config.lr, { totalSteps: plannedSteps, warmupSteps: config.warmupSteps, every: Math.max(1, Math.ceil(plannedSteps / 3)) });
}

/** The run's optimiser on a schedule (runSchedule): the one every replica of a run's θ must apply. */
export function runOptimizer(config: Pick<TrainConfig, 'optimizer' | 'momentum' | 'weightDecay' | 'clip'>, schedule: Schedule): GradientTransformation {
  return createOptimizer(config.optimizer, { lr: schedule, momentum: config.momentum, weightDecay: config.weightDecay, clip: config.clip });
}
