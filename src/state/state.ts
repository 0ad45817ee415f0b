/**
 * Learned state as plain data (optimisers', estimators', allocators', a trainer's):
 * nested arrays and objects whose leaves are Float32Arrays or numbers. Nothing else (no
 * classes, closures or counters hidden in closures), so a trainer can checkpoint any of
 * them generically and resume bit-identically. The bottom layer: everyone may use it.
 */
export type State = number | Float32Array | readonly State[] | { readonly [key: string]: State };

/** The state of a stateless transformation. */
export type EmptyState = Record<string, never>;

export const emptyState = (): EmptyState => ({});

/** The JSON-compatible part of a serialised state: the tree, with each buffer replaced by its index in `buffers`. */
export type StateJson = number | { readonly f32: number } | readonly StateJson[] | { readonly [key: string]: StateJson };

export interface SerializedState {
  /** Embed in a checkpoint header or pass to JSON.stringify. */
  readonly json: StateJson;
  /** The state's buffers (copies, unless asked otherwise), in tree order, to store as raw float32 data. */
  readonly buffers: readonly Float32Array[];
}

/**
 * Splits a state into a JSON tree and its buffers. The buffers are copies, so training may
 * go on (overwriting the live state in place) while a checkpoint is still being written;
 * with `copy: false` they are the state's own, for a writer that finishes before the
 * state changes again (no second copy of 2P Adam moments in memory).
 */
export function serializeState(state: State, { copy = true } = {}): SerializedState {
  const buffers: Float32Array[] = [];
  const encode = (node: State, path: string): StateJson => {
    if (typeof node === 'number') {
      // JSON has no NaN or ±Infinity; a number leaf that is not finite would come back as null.
      if (!Number.isFinite(node)) throw new RangeError(`state${path} is ${node}; only finite numbers can be serialised`);
      return node;
    }
    if (node instanceof Float32Array) return { f32: buffers.push(copy ? node.slice() : node) - 1 };
    if (isList(node)) return node.map((child, i) => encode(child, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node) || Object.getPrototypeOf(node) !== Object.prototype) {
      throw new TypeError(`state${path} is not plain data (a number, Float32Array, array or plain object)`);
    }
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, encode(child, `${path}.${key}`)]));
  };
  return { json: encode(state, ''), buffers };
}

/**
 * Restores a serialised state into `template`, a fresh `init(params)` of the same owner:
 * buffers are copied into the template's buffers, numbers taken from the saved tree. An
 * empty buffer in the template stands for state whose size the data decides, not θ (a
 * held batch, per-example baselines): it takes the saved buffer at its length. Throws
 * if the saved state has another structure (a checkpoint from a differently configured optimiser or estimator).
 */
export function deserializeState<S extends State>(saved: SerializedState, template: S): S {
  const decode = (like: State, node: StateJson | undefined, path: string): State => {
    const mismatch = (expected: string): never => {
      throw new Error(`saved state does not match its template: state${path} should be ${expected}`);
    };
    if (typeof like === 'number') return typeof node === 'number' ? node : mismatch('a number');
    if (like instanceof Float32Array) {
      const index = asObject(node)?.f32;
      const buffer = typeof index === 'number' ? saved.buffers[index] : undefined;
      // An empty template buffer holds data-sized state (MGD's held batch): any saved length.
      if (buffer !== undefined && like.length === 0) return buffer.slice();
      if (buffer?.length !== like.length) return mismatch(`a buffer of length ${like.length}`);
      like.set(buffer);
      return like;
    }
    if (isList(like)) {
      if (!isList(node) || node.length !== like.length) return mismatch(`a list of length ${like.length}`);
      return like.map((child, i) => decode(child, node[i], `${path}[${i}]`));
    }
    const keys = Object.keys(like);
    const fields = asObject(node);
    if (fields === undefined || Object.keys(fields).length !== keys.length || !keys.every((key) => Object.hasOwn(fields, key))) {
      return mismatch(`an object with keys {${keys.join(', ')}}`);
    }
    return Object.fromEntries(keys.map((key) => [key, decode(like[key]!, fields[key], `${path}.${key}`)]));
  };
  return decode(template, saved.json, '') as S;
}

// Array.isArray narrows to any[], and does not narrow readonly arrays out of a union.
const isList = <T>(value: T | readonly T[]): value is readonly T[] => Array.isArray(value);

const asObject = (value: StateJson | undefined): { readonly [key: string]: StateJson | undefined } | undefined =>
  typeof value === 'object' && value !== null && !isList(value) ? value : undefined;
