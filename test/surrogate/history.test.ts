import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type HistoryState, QueryHistory } from '../../src/surrogate/index.js';
import { testRandom } from '../helpers.js';
import { uniformPoints } from './fixtures.js';

test('nearest returns exactly the brute-force nearest queries, nearest first, ties oldest first', () => {
  const history = new QueryHistory(3, 200);
  const points = uniformPoints(150, 3, 1, -1, 1);
  // Exact duplicates make ties.
  points.forEach((p, k) => history.add(k % 10 === 9 ? points[k - 1]! : p, k, 100 + k));
  const stored = history.queries();
  for (const [seed, count] of [[2, 1], [3, 17], [4, 150], [5, 400]] as const) {
    const center = uniformPoints(1, 3, seed, -1, 1)[0]!;
    const distance = (x: Float64Array): number => Math.hypot(...x.map((v, i) => v - center[i]!));
    const oracle = stored
      .map((q, order) => ({ q, order, dist: distance(q.x) }))
      .sort((a, b) => a.dist - b.dist || a.order - b.order)
      .slice(0, count)
      .map(({ q }) => q.serial);
    assert.deepEqual(history.nearest(center, count).map((q) => q.serial), oracle, `count ${count}`);
  }
  const nearest = history.nearest(points[0]!, 1)[0]!;
  assert.deepEqual([nearest.y, nearest.tag, nearest.serial], [0, 100, 0]);
  assert.deepEqual(nearest.x, points[0]);
});

test('a full history evicts the oldest queries first and keeps the newest', () => {
  const history = new QueryHistory(2, 5);
  for (let k = 0; k < 12; k++) history.add(new Float64Array([k, -k]), 10 - k, k);
  assert.equal(history.size, 5);
  assert.equal(history.added, 12);
  assert.deepEqual(history.queries().map((q) => [q.serial, q.tag, q.x[0]]), [7, 8, 9, 10, 11].map((k) => [k, k, k]));
  assert.equal(history.best()!.serial, 11);
  assert.equal(new QueryHistory(2, 5).best(), undefined);
});

test('stored points are copies: changing the caller\'s vector or a returned one changes nothing', () => {
  const history = new QueryHistory(2, 4);
  const x = new Float64Array([1, 2]);
  history.add(x, 3);
  x[0] = 99;
  history.at(0).x[1] = 99;
  assert.deepEqual(history.at(0).x, new Float64Array([1, 2]));
});

/** A float64 from its two 32-bit words (little-endian machine order: low word first). */
function fromWords(high: number, low: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, high);
  view.setUint32(4, low);
  return view.getFloat64(0);
}

function bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

/** What a checkpoint does to a state: numbers through JSON, buffers copied as bytes through one byte array. */
function throughCheckpoint(state: HistoryState): HistoryState {
  const buffers = [state.points, state.values, state.tags];
  const bytes = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset);
    offset += b.byteLength;
  }
  const read = (index: number): Float32Array => {
    const start = buffers.slice(0, index).reduce((s, b) => s + b.byteLength, 0);
    const out = new Float32Array(buffers[index]!.length);
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + out.byteLength));
    return out;
  };
  const numbers = JSON.parse(JSON.stringify({ dimension: state.dimension, capacity: state.capacity, size: state.size, added: state.added })) as Record<string, number>;
  return { ...(numbers as unknown as HistoryState), points: read(0), values: read(1), tags: read(2) };
}

test('toState/fromState round-trips every bit, through a checkpoint, and the restored history continues identically', () => {
  const random = testRandom(7);
  // Values whose low word is a float32 NaN or infinity pattern, subnormals, −0 and extremes.
  const awkward = [fromWords(0x3ff00000, 0x7fc00001), fromWords(0x40100000, 0xff800000), fromWords(0xbff00000, 0x7f800001), 5e-324, -0, 1.7976931348623157e308, Math.PI];
  const history = new QueryHistory(4, 6);
  for (let k = 0; k < 9; k++) {
    const x = Float64Array.from({ length: 4 }, (_, i) => awkward[(k + i) % awkward.length]! * (random() < 0.5 ? 1 : -1));
    history.add(x, awkward[k % awkward.length]!, awkward[(k + 3) % awkward.length]!);
  }
  const state = history.toState();
  for (const value of Object.values(state)) assert.ok(typeof value === 'number' || value instanceof Float32Array, 'the state holds only numbers and Float32Arrays');
  const restored = QueryHistory.fromState(throughCheckpoint(state));
  const fingerprint = (h: QueryHistory): bigint[][] => h.queries().map((q) => [...Array.from(q.x, bits), bits(q.y), bits(q.tag), BigInt(q.serial)]);
  assert.deepEqual(fingerprint(restored), fingerprint(history));
  for (let k = 0; k < 4; k++) {
    const x = new Float64Array([k, random(), -random(), 1e-300 * k]);
    history.add(x, k / 3, k);
    restored.add(x, k / 3, k);
  }
  assert.deepEqual(fingerprint(restored), fingerprint(history));
  const center = new Float64Array([0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(restored.nearest(center, 3).map((q) => q.serial), history.nearest(center, 3).map((q) => q.serial));
});

test('an empty history of the same shape is a template of the same structure', () => {
  const full = new QueryHistory(3, 4);
  full.add(new Float64Array([1, 2, 3]), 4);
  const a = full.toState();
  const b = new QueryHistory(3, 4).toState();
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const key of ['points', 'values', 'tags'] as const) assert.equal(a[key].length, b[key].length);
});

test('bad arguments and inconsistent states are rejected with the parameter named', () => {
  const history = new QueryHistory(2, 3);
  assert.throws(() => new QueryHistory(0, 3), /^RangeError: dimension must be an integer > 0, got 0/);
  assert.throws(() => history.add(new Float64Array([1]), 0), /^RangeError: x must have length 2, got 1/);
  assert.throws(() => history.add(new Float32Array([1, 2]) as unknown as Float64Array, 0), /^TypeError: x must be a Float64Array/);
  assert.throws(() => history.add(new Float64Array([1, NaN]), 0), /^RangeError: x\[1\] must be finite/);
  assert.throws(() => history.add(new Float64Array([1, 2]), Infinity), /^RangeError: y must be a finite number/);
  assert.throws(() => history.at(0), /^RangeError: i must be below the history's size 0/);
  assert.throws(() => history.nearest(new Float64Array([0, 0]), 0), /^RangeError: count must be an integer > 0/);
  const state = history.toState();
  assert.throws(() => QueryHistory.fromState({ ...state, size: 4 }), /^RangeError: state.size 4 is inconsistent/);
  assert.throws(() => QueryHistory.fromState({ ...state, points: new Float32Array(3) }), /^RangeError: state.points must hold 12 float32 words, got 3/);
});
