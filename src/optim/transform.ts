import { nonNegativeInteger } from './check.js';
import type { State } from '../state/state.js';

export interface UpdateResult<S> {
  readonly updates: Float32Array;
  readonly state: S;
}

/**
 * A gradient transformation, as in optax: `init` builds the state for parameters θ, and
 * `update` maps a gradient estimate (or the previous transformation's output) to updates
 * for `applyUpdates`.
 *
 * In place: with millions of parameters a step must not allocate, so `update` may overwrite
 * `updates` and the buffers of `state` and return them. After a call use only the returned
 * values; the gradient buffer passed in is gone. `params` is read, never written.
 *
 * `step` counts the updates applied before this one (0 for the first). Schedules and Adam's
 * bias correction read it, so a resumed run must continue the count.
 */
export interface GradientTransformation<S extends State = State> {
  init(params: Float32Array): S;
  update(updates: Float32Array, state: S, params: Float32Array, step: number): UpdateResult<S>;
}

/** chain(a, b, …): u ← …(b(a(u))); applies the transformations in order, its state is the list of theirs. */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<State[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params, step) {
      checkLength(params, updates);
      nonNegativeInteger('step', step);
      const states = new Array<State>(transforms.length);
      for (let i = 0; i < transforms.length; i++) {
        const result = transforms[i]!.update(updates, state[i]!, params, step);
        updates = result.updates;
        states[i] = result.state;
      }
      return { updates, state: states };
    },
  };
}

/** θ ← θ + u, in place. */
export function applyUpdates(params: Float32Array, updates: Float32Array): void {
  checkLength(params, updates);
  for (let i = 0; i < params.length; i++) params[i] += updates[i]!;
}

function checkLength(params: Float32Array, updates: Float32Array): void {
  if (updates.length !== params.length) throw new RangeError(`updates have length ${updates.length} but parameters ${params.length}`);
}
