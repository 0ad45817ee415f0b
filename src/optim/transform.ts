import { nonNegativeInteger } from './check.js';
import type { State } from '../state/state.js';
import { readChunks } from '../rng/index.js';
import { type Gradient, type Stage, runStages } from './stages.js';

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
 *
 * `stages`, where present, is the same update as elementwise stages over the state's
 * buffers (which it updates in place, the state object staying the same): the per-parameter
 * kernel then runs a whole chain, and θ ← θ + u with it, in one pass (`applyGradient`).
 */
export interface GradientTransformation<S extends State = State> {
  init(params: Float32Array): S;
  update(updates: Float32Array, state: S, params: Float32Array, step: number): UpdateResult<S>;
  stages?(state: S, step: number): readonly Stage[];
}

/** A transformation made of elementwise stages: its update is one kernel pass over them. */
export function elementwise<S extends State>(init: (params: Float32Array) => S, stages: (state: S, step: number) => readonly Stage[]): GradientTransformation<S> {
  return {
    init,
    update(updates, state, params, step) {
      runStages(stages(state, step), updates, params, 'updates');
      return { updates, state };
    },
    stages,
  };
}

/**
 * chain(a, b, …): u ← …(b(a(u))); applies the transformations in order, its state is the
 * list of theirs. When every one is elementwise, so is the chain: one pass for all.
 */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<State[]> {
  const stages = transforms.every((t) => t.stages) ? (state: State[], step: number) => transforms.flatMap((t, i) => t.stages!(state[i]!, step)) : undefined;
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params, step) {
      checkLength(params, updates);
      nonNegativeInteger('step', step);
      if (stages) {
        runStages(stages(state, step), updates, params, 'updates');
        return { updates, state };
      }
      const states = new Array<State>(transforms.length);
      for (let i = 0; i < transforms.length; i++) {
        const result = transforms[i]!.update(updates, state[i]!, params, step);
        updates = result.updates;
        states[i] = result.state;
      }
      return { updates, state: states };
    },
    ...(stages && { stages }),
  };
}

/** θ ← θ + u, in place. */
export function applyUpdates(params: Float32Array, updates: Float32Array): void {
  checkLength(params, updates);
  runStages([], updates, params, 'params');
}

/**
 * One optimiser step: u from the gradient, then θ ← θ + u, in place; returns the new
 * state. An elementwise transformation runs as one pass of the per-parameter kernel
 * that never holds u whole, so the gradient may be a chunk source (regenerated from its
 * noise, MeZO's in-place update); otherwise `update` then `applyUpdates`, with a chunk
 * source materialised first. The gradient array may be overwritten.
 */
export function applyGradient<S extends State>(transformation: GradientTransformation<S>, gradient: Gradient, state: S, params: Float32Array, step: number): S {
  checkLength(params, gradient);
  nonNegativeInteger('step', step);
  if (transformation.stages) {
    runStages(transformation.stages(state, step), gradient, params, 'params');
    return state;
  }
  const updates = gradient instanceof Float32Array ? gradient : readChunks(gradient);
  const result = transformation.update(updates, state, params, step);
  applyUpdates(params, result.updates);
  return result.state;
}

function checkLength(params: Float32Array, updates: { readonly length: number }): void {
  if (updates.length !== params.length) throw new RangeError(`updates have length ${updates.length} but parameters ${params.length}`);
}
