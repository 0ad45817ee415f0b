import { finite, nonNegativeInteger, positive, positiveInteger } from './check.js';

/** A value (usually the learning rate) as a function of the step, counted from 0. */
export type Schedule = (step: number) => number;

/** s(t) = value. */
export function constantSchedule(value: number): Schedule {
  finite('value', value);
  return () => value;
}

/** s(t) = from + (to − from)·t/steps for t < steps, then `to`. */
export function linear(from: number, to: number, steps: number): Schedule {
  finite('from', from);
  finite('to', to);
  positiveInteger('steps', steps);
  return (step) => (step >= steps ? to : from + ((to - from) * step) / steps);
}

/** s(t) = to + (from − to)·(1 + cos(π·t/steps))/2 for t < steps, then `to`. */
export function cosineDecay(from: number, to: number, steps: number): Schedule {
  finite('from', from);
  finite('to', to);
  positiveInteger('steps', steps);
  return (step) => (step >= steps ? to : to + ((from - to) * (1 + Math.cos((Math.PI * step) / steps))) / 2);
}

/**
 * Runs schedules one after another: schedules[k] takes over at boundaries[k − 1] and sees the
 * steps counted from there (optax's join_schedules).
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (boundaries.length !== schedules.length - 1) {
    throw new RangeError(`boundaries must hold one step fewer than schedules (${schedules.length - 1}), got ${boundaries.length}`);
  }
  boundaries.forEach((b, i) => {
    nonNegativeInteger('boundaries', b);
    if (i > 0 && b <= boundaries[i - 1]!) throw new RangeError(`boundaries must increase, got ${boundaries.join(', ')}`);
  });
  return (step) => {
    let k = 0;
    while (k < boundaries.length && step >= boundaries[k]!) k++;
    return schedules[k]!(k === 0 ? step : step - boundaries[k - 1]!);
  };
}

/** s(t) = value·factor^⌊t/every⌋. */
export function stepDecay(value: number, { every, factor = 0.1 }: { every: number; factor?: number }): Schedule {
  finite('value', value);
  positiveInteger('every', every);
  positive('factor', factor);
  return (step) => value * factor ** Math.floor(step / every);
}

export interface CosineOptions {
  /** Steps of warmup plus decay; from then on the value stays at `final`. */
  readonly totalSteps: number;
  readonly warmupSteps?: number;
  readonly final?: number;
}

/** Linear warmup from 0 to `peak` over warmupSteps, then cosine decay to `final` at totalSteps. */
export function cosine(peak: number, { totalSteps, warmupSteps = 0, final = 0 }: CosineOptions): Schedule {
  finite('peak', peak);
  finite('final', final);
  positiveInteger('totalSteps', totalSteps);
  nonNegativeInteger('warmupSteps', warmupSteps);
  if (warmupSteps >= totalSteps) throw new RangeError(`warmupSteps must be less than totalSteps (${totalSteps}), got ${warmupSteps}`);
  const decay = cosineDecay(peak, final, totalSteps - warmupSteps);
  return warmupSteps === 0 ? decay : join([linear(0, peak, warmupSteps), decay], [warmupSteps]);
}
