import { nonNegative } from './check.js';
import { constantSchedule, type Schedule } from './schedules.js';
import { emptyState, type EmptyState } from '../state/state.js';
import { type GradientTransformation, elementwise } from './transform.js';

/** u ← −lr(step)·u: turns a descent direction into a step; `lr` is a number or a schedule. */
export function scaleByLearningRate(lr: number | Schedule): GradientTransformation<EmptyState> {
  const schedule = typeof lr === 'function' ? lr : constantSchedule(nonNegative('lr', lr));
  return elementwise(emptyState, (_state, step) => [{ kind: 'scale', factor: -schedule(step) }]);
}
