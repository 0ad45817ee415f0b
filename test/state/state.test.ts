import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyUpdates, createOptimizer, createSchedule, OPTIMIZER_NAMES, type GradientTransformation } from '../../src/optim/index.js';
import { deserializeState, serializeState, type SerializedState, type State } from '../../src/state/index.js';
import { normals, testRandom } from '../helpers.js';

const P = 50;

/** The gradient estimate at a step: a quadratic's gradient plus noise seeded by the step, as a forward-gradient estimator gives. */
function gradient(params: Float32Array, step: number): Float32Array {
  const noise = normals(P, testRandom(1000 + step));
  return Float32Array.from(params, (x, i) => (1 + i / 10) * (x - 1) + noise[i]!);
}

function train(optimizer: GradientTransformation, params: Float32Array, state: State, from: number, to: number): State {
  for (let step = from; step < to; step++) {
    const result = optimizer.update(gradient(params, step), state, params, step);
    state = result.state;
    applyUpdates(params, result.updates);
  }
  return state;
}

/** Through a file: the JSON as text, the buffers packed into one byte array. */
function throughFile(saved: SerializedState): SerializedState {
  const text = JSON.stringify(saved.json);
  const bytes = new Uint8Array(saved.buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of saved.buffers) offset += (bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset), b.byteLength);
  const lengths = saved.buffers.map((b) => b.length);
  let at = 0;
  const buffers = lengths.map((n) => new Float32Array(bytes.slice(at * 4, (at += n) * 4).buffer));
  return { json: JSON.parse(text), buffers };
}

const bits = (values: Float32Array): Uint32Array => new Uint32Array(values.buffer, values.byteOffset, values.length);

test('every optimiser resumed from serialised state continues bit-identically', () => {
  const lr = createSchedule('cosine', 0.05, { totalSteps: 20, warmupSteps: 3 });
  for (const name of OPTIMIZER_NAMES) {
    const make = () => createOptimizer(name, { lr, weightDecay: 0.01, clip: 5 });
    const start = Float32Array.from(normals(P, testRandom(5)));

    const uninterrupted = make();
    const straight = start.slice();
    train(uninterrupted, straight, uninterrupted.init(straight), 0, 20);

    const first = make();
    const resumedParams = start.slice();
    const saved = throughFile(serializeState(train(first, resumedParams, first.init(resumedParams), 0, 8)));
    const second = make();
    train(second, resumedParams, deserializeState(saved, second.init(resumedParams)), 8, 20);
    assert.deepEqual(bits(resumedParams), bits(straight), name);

    // The state matters: resuming from a fresh one instead would go elsewhere (except for stateless plain SGD).
    if (name !== 'sgd') {
      const fresh = start.slice();
      train(first, fresh, first.init(fresh), 0, 8);
      train(second, fresh, second.init(fresh), 8, 20);
      assert.notDeepEqual(bits(fresh), bits(straight), `${name}: the state made no difference`);
    }
  }
});

test('serialised buffers are copies, and number leaves and nesting survive', () => {
  const trace = Float32Array.of(1, 2);
  const state: State = { count: 3, inner: [{ trace }, {}], scale: -0.5 };
  const saved = serializeState(state);
  assert.deepEqual(saved.json, { count: 3, inner: [{ trace: { f32: 0 } }, {}], scale: -0.5 });
  trace[0] = 99;
  assert.deepEqual(saved.buffers, [Float32Array.of(1, 2)]);

  const into = new Float32Array(2);
  const restored = deserializeState(saved, { count: 0, inner: [{ trace: into }, {}], scale: 0 });
  assert.deepEqual(restored, { count: 3, inner: [{ trace: Float32Array.of(1, 2) }, {}], scale: -0.5 });
  assert.deepEqual(into, Float32Array.of(1, 2), 'restores into the template buffers');
});

test('a state from a differently configured optimiser is rejected, naming where it differs', () => {
  const params = new Float32Array(4);
  const saved = serializeState(createOptimizer('adam', { lr: 0.1 }).init(params));
  assert.throws(() => deserializeState(saved, createOptimizer('sgd', { lr: 0.1 }).init(params)), /state should be a list of length 1/);
  assert.throws(() => deserializeState(saved, createOptimizer('momentum', { lr: 0.1 }).init(params)), /state\[0\] should be an object with keys \{trace\}/);
  assert.throws(() => deserializeState(saved, createOptimizer('adam', { lr: 0.1, clip: 1 }).init(params)), /state\[0\] should be an object with keys \{\}/);
  assert.throws(() => deserializeState(saved, createOptimizer('adam', { lr: 0.1 }).init(new Float32Array(5))), /state\[0\]\.mu should be a buffer of length 5/);
  assert.throws(() => deserializeState({ json: saved.json, buffers: [] }, createOptimizer('adam', { lr: 0.1 }).init(params)), /state\[0\]\.mu/);
});

test('only plain data with finite numbers can be serialised', () => {
  assert.throws(() => serializeState({ count: NaN }), /^RangeError: state\.count is NaN/);
  assert.throws(() => serializeState([new Float64Array(2) as unknown as State]), /^TypeError: state\[0\] is not plain data/);
  assert.throws(() => serializeState({ when: new Date() as unknown as State }), /^TypeError: state\.when is not plain data/);
});

test('an empty template buffer takes the saved buffer at its length (data-sized state); a sized one must match', () => {
  const saved = serializeState({ held: Float32Array.of(1, 2, 3), fixed: Float32Array.of(4) });
  const restored = deserializeState(saved, { held: new Float32Array(0), fixed: new Float32Array(1) }) as { held: Float32Array; fixed: Float32Array };
  assert.deepEqual(restored.held, Float32Array.of(1, 2, 3));
  assert.deepEqual(restored.fixed, Float32Array.of(4));
  assert.deepEqual(deserializeState(serializeState({ held: new Float32Array(0) }), { held: new Float32Array(0) }), { held: new Float32Array(0) });
  assert.throws(() => deserializeState(saved, { held: new Float32Array(2), fixed: new Float32Array(1) }), /state\.held should be a buffer of length 2/);
});
