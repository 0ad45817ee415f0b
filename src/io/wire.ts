/**
 * A byte encoding for message trees: JSON for the structure, raw little-endian arrays for
 * the numbers. What crosses a process boundary (federated rounds, worker tasks, broker
 * messages) is encoded here, so its size is the encoded length and nothing is shared by
 * reference.
 *
 * Layout: u32 length of the JSON header | the header (UTF-8) | zero padding to 4 bytes |
 * the arrays, in the order the header names them, each padded to 4 bytes. In the header an
 * array is {"$f32": index} (or $f64, $i32, $i64, $u8), a non-finite number {"$num": "NaN" |
 * "Infinity" | "-Infinity"}, a bigint {"$big": "<decimal>"}; `lengths` holds each array's
 * element count and, when any array is not float32, `types` each one's tag.
 */

/** A message tree: numbers (NaN and ±∞ included), bigints, strings, booleans, typed arrays, arrays, plain objects. */
export type Wire = number | bigint | string | boolean | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | readonly Wire[] | { readonly [key: string]: Wire | undefined };

type ArrayTag = '$f32' | '$f64' | '$i32' | '$i64' | '$u8';
type WireArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

const KINDS: Readonly<Record<ArrayTag, { new (n: number): WireArray; readonly BYTES_PER_ELEMENT: number }>> = { $f32: Float32Array, $f64: Float64Array, $i32: Int32Array, $i64: BigInt64Array, $u8: Uint8Array };

function tagOf(value: unknown): ArrayTag | undefined {
  if (value instanceof Float32Array) return '$f32';
  if (value instanceof Float64Array) return '$f64';
  if (value instanceof Int32Array) return '$i32';
  if (value instanceof BigInt64Array) return '$i64';
  if (value instanceof Uint8Array) return '$u8';
  return undefined;
}

/** The bytes of a message tree (see the module comment for the layout). */
export function encodeWire(message: Wire): Uint8Array {
  const arrays: WireArray[] = [];
  const tags: ArrayTag[] = [];
  const tree = (value: Wire | undefined): unknown => {
    const tag = tagOf(value);
    if (tag) {
      tags.push(tag);
      return { [tag]: arrays.push(value as WireArray) - 1 };
    }
    if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
    if (typeof value === 'bigint') return { $big: value.toString() };
    if (Array.isArray(value)) return value.map(tree);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, tree(v)]));
    return value;
  };
  const body = tree(message);
  const header = { body, lengths: arrays.map((a) => a.length), ...(tags.some((t) => t !== '$f32') && { types: tags }) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(4 + json.length);
  const bytes = new Uint8Array(arrays.reduce((end, a) => end + align4(a.byteLength), start));
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  let offset = start;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += align4(a.byteLength);
  }
  return bytes;
}

/** A message's bytes were not an encoded tree (`what` names the message kind in the text). */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/**
 * The tree `encodeWire` encoded. Arrays are fresh copies (aligned, owned by the caller).
 * @throws WireError naming `what` and the defect when the bytes are not such a tree.
 */
export function decodeWire(bytes: Uint8Array, what = 'message'): unknown {
  const fail = (why: string): never => {
    throw new WireError(`${what} is malformed: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('not bytes');
  if (bytes.length < 4) fail(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (4 + length > bytes.length) fail(`a header of ${length} bytes in ${bytes.length}`);
  let parsed: { body?: unknown; lengths?: unknown; types?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length)));
  } catch {
    return fail('the header is not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) fail('the header is not an object');
  const lengths = Array.isArray(parsed.lengths) && parsed.lengths.every((n) => Number.isSafeInteger(n) && n >= 0) ? (parsed.lengths as number[]) : fail('no array lengths');
  const types = parsed.types === undefined ? lengths.map((): ArrayTag => '$f32') : Array.isArray(parsed.types) && parsed.types.length === lengths.length && parsed.types.every((t) => Object.hasOwn(KINDS, t)) ? (parsed.types as ArrayTag[]) : fail('bad array types');
  let offset = align4(4 + length);
  const end = lengths.reduce((at, n, i) => at + align4(n * KINDS[types[i]!].BYTES_PER_ELEMENT), offset);
  if (end !== bytes.length) fail('the arrays do not fill the message');
  const arrays = lengths.map((n, i) => {
    const kind = KINDS[types[i]!];
    const a = new kind(n);
    new Uint8Array(a.buffer).set(bytes.subarray(offset, offset + n * kind.BYTES_PER_ELEMENT));
    offset += align4(n * kind.BYTES_PER_ELEMENT);
    return { tag: types[i]!, array: a };
  });
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    const tag = (Object.keys(KINDS) as ArrayTag[]).find((t) => typeof record[t] === 'number');
    if (tag) {
      const entry = arrays[record[tag] as number];
      return entry && entry.tag === tag ? entry.array : fail(`array ${String(record[tag])} is missing or not ${tag.slice(1)}`);
    }
    if (typeof record.$num === 'string') return ['NaN', 'Infinity', '-Infinity'].includes(record.$num) ? Number(record.$num) : fail(`bad number '${record.$num}'`);
    if (typeof record.$big === 'string') return /^-?\d+$/.test(record.$big) ? BigInt(record.$big) : fail(`bad bigint '${record.$big}'`);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
  };
  return revive(parsed.body);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
