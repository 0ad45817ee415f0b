import { checkVector, finite, nonNegativeInteger, positiveInteger } from './check.js';

/** One stored query: the point (a copy), its observed value and the caller's tag. */
export interface HistoryQuery {
  readonly x: Float64Array;
  readonly y: number;
  /** The caller's label (a client id, a step, a kind of query): any finite number. */
  readonly tag: number;
  /** How many queries were added before this one: 0 for the first ever added. */
  readonly serial: number;
}

/**
 * A query history as plain data for a checkpoint state tree (numbers and Float32Arrays only).
 * Each Float64Array is stored as a Float32Array over its bytes (two float32 words per float64),
 * which is lossless as long as the words are copied as bytes, never converted one by one.
 * Buffers have the history's full capacity, so an empty history of the same dimension and
 * capacity is a template of the same structure.
 */
export type HistoryState = {
  readonly dimension: number;
  readonly capacity: number;
  readonly size: number;
  /** Queries ever added (including evicted ones). */
  readonly added: number;
  /** capacity × dimension float64 points, row-major by slot. */
  readonly points: Float32Array;
  readonly values: Float32Array;
  readonly tags: Float32Array;
};

/**
 * A bounded store of zeroth-order queries (x ∈ R^d, y = f(x), tag) with exact Euclidean
 * nearest-N retrieval: ZoRD and FZooS fit their Gaussian processes on the 150 (FZooS's RFF: 500)
 * queries nearest to the current point (Shu et al. 2023, ZoRD code `gp_fit`; FZooS code
 * `local_queries`).
 *
 * Eviction: when full, adding a query overwrites the OLDEST one (first in, first out). The
 * papers' code keeps every query; a bound keeps memory and retrieval cost fixed, and the
 * oldest queries are the ones an optimiser has usually moved away from. The best query can
 * be evicted too, so an optimiser that restarts from the best point keeps its own record.
 */
export class QueryHistory {
  readonly dimension: number;
  readonly capacity: number;
  private readonly points: Float64Array;
  private readonly values: Float64Array;
  private readonly tags: Float64Array;
  private count = 0;
  private total = 0;

  constructor(dimension: number, capacity: number) {
    this.dimension = positiveInteger('dimension', dimension);
    this.capacity = positiveInteger('capacity', capacity);
    this.points = new Float64Array(capacity * dimension);
    this.values = new Float64Array(capacity);
    this.tags = new Float64Array(capacity);
  }

  /** Stored queries (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /** Queries ever added, evicted ones included. */
  get added(): number {
    return this.total;
  }

  /** Stores a copy of x with its value and tag; evicts the oldest query when full. */
  add(x: Float64Array, y: number, tag = 0): void {
    checkVector('x', x, this.dimension);
    finite('y', y);
    finite('tag', tag);
    const slot = this.total % this.capacity;
    this.points.set(x, slot * this.dimension);
    this.values[slot] = y;
    this.tags[slot] = tag;
    this.total++;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The i-th stored query, oldest first (0 ≤ i < size). */
  at(i: number): HistoryQuery {
    nonNegativeInteger('i', i);
    if (i >= this.count) throw new RangeError(`i must be below the history's size ${this.count}, got ${i}`);
    return this.query(this.slotOf(i), this.total - this.count + i);
  }

  /** Every stored query, oldest first. */
  queries(): HistoryQuery[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  /** The stored query with the smallest value (the oldest among equals), or undefined when empty. */
  best(): HistoryQuery | undefined {
    let best = -1;
    for (let i = 0; i < this.count; i++) {
      if (best < 0 || this.values[this.slotOf(i)]! < this.values[this.slotOf(best)]!) best = i;
    }
    return best < 0 ? undefined : this.at(best);
  }

  /**
   * The min(count, size) stored queries nearest to `point` in Euclidean distance, nearest
   * first; equal distances keep the older query first, so the result is deterministic.
   */
  nearest(point: Float64Array, count: number): HistoryQuery[] {
    checkVector('point', point, this.dimension);
    positiveInteger('count', count);
    const d = this.dimension;
    const distances = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const base = this.slotOf(i) * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = this.points[base + j]! - point[j]!;
        s += diff * diff;
      }
      distances[i] = s;
    }
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => distances[a]! - distances[b]! || a - b);
    return order.slice(0, Math.min(count, this.count)).map((i) => this.at(i));
  }

  /** A snapshot of the history as plain data (copies; see HistoryState). */
  toState(): HistoryState {
    return {
      dimension: this.dimension,
      capacity: this.capacity,
      size: this.count,
      added: this.total,
      points: float64Words(this.points),
      values: float64Words(this.values),
      tags: float64Words(this.tags),
    };
  }

  /** Rebuilds a history from toState()'s output, bit for bit; throws RangeError on an inconsistent state. */
  static fromState(state: HistoryState): QueryHistory {
    if (state === null || typeof state !== 'object') throw new TypeError('state must be a HistoryState object');
    const history = new QueryHistory(state.dimension, state.capacity);
    const size = nonNegativeInteger('state.size', state.size);
    const added = nonNegativeInteger('state.added', state.added);
    if (size > history.capacity || size > added || (added > size && size !== history.capacity)) {
      throw new RangeError(`state.size ${size} is inconsistent with capacity ${history.capacity} and ${added} queries added`);
    }
    restoreWords('state.points', state.points, history.points);
    restoreWords('state.values', state.values, history.values);
    restoreWords('state.tags', state.tags, history.tags);
    history.count = size;
    history.total = added;
    return history;
  }

  private slotOf(i: number): number {
    return (this.total - this.count + i) % this.capacity;
  }

  private query(slot: number, serial: number): HistoryQuery {
    const x = this.points.slice(slot * this.dimension, (slot + 1) * this.dimension);
    return { x, y: this.values[slot]!, tag: this.tags[slot]!, serial };
  }
}

/** A copy of a Float64Array's bytes as float32 words (a byte copy: NaN-pattern words survive). */
function float64Words(data: Float64Array): Float32Array {
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function restoreWords(name: string, words: Float32Array, into: Float64Array): void {
  if (!(words instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array`);
  if (words.length !== 2 * into.length) throw new RangeError(`${name} must hold ${2 * into.length} float32 words, got ${words.length}`);
  new Uint8Array(into.buffer).set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
}
