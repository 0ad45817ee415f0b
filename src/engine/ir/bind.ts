import type { HostData } from './dtype.js';
import { dtypeOfData } from './dtype.js';
import type { GraphSpec } from './graph.js';
import { HostTensor } from './host-tensor.js';
import { formatShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** A value for a graph input: a HostTensor, or a bare typed array when the input's shape is fully concrete. */
export type Feed = HostTensor | HostData;
export type Feeds = Readonly<Record<string, Feed>>;

export interface Bound {
  readonly values: HostTensor[];
  readonly symbols: Map<string, number>;
}

/**
 * Matches feeds to a graph's inputs: every input present, dtypes equal, concrete dims
 * equal, and each symbolic dim bound to one size across all inputs.
 */
export function bindFeeds(spec: GraphSpec, feeds: Feeds): Bound {
  const symbols = new Map<string, number>();
  const known = new Set<string>();
  const values = spec.inputs.map((t) => {
    const name = inputName(t);
    known.add(name);
    const feed = feeds[name];
    if (feed === undefined) throw new Error(`input '${name}' is missing in feeds`);
    const value = feed instanceof HostTensor ? feed : fromBare(name, t, feed);
    if (value.dtype !== t.dtype) {
      throw new TypeError(`input '${name}' expects ${t.dtype}${formatShape(t.shape)}, got ${value.dtype}${formatShape(value.shape)}`);
    }
    const mismatch = () =>
      new RangeError(`input '${name}' expects shape ${formatShape(t.shape)}, got ${formatShape(value.shape)}${describe(symbols)}`);
    if (value.shape.length !== t.shape.length) throw mismatch();
    t.shape.forEach((d, i) => {
      const got = value.shape[i]!;
      if (typeof d === 'number') {
        if (d !== got) throw mismatch();
      } else {
        const bound = symbols.get(d);
        if (bound !== undefined && bound !== got) throw mismatch();
        symbols.set(d, got);
      }
    });
    return value;
  });
  for (const name of Object.keys(feeds)) {
    if (!known.has(name)) throw new RangeError(`feeds has '${name}', which is not an input of the graph (inputs: ${[...known].join(', ')})`);
  }
  return { values, symbols };
}

export function inputName(t: Tensor): string {
  if (t.source.kind !== 'input') throw new TypeError(`graph inputs must be input tensors, got ${t}`);
  return t.source.name;
}

/**
 * A bare typed array takes the input's shape: concrete dims as declared, and at most one
 * symbolic dim, inferred from the array's length.
 */
function fromBare(name: string, t: Tensor, data: HostData): HostTensor {
  const symbolic = t.shape.filter((d) => typeof d !== 'number').length;
  const known = t.shape.reduce<number>((a, d) => (typeof d === 'number' ? a * d : a), 1);
  if (symbolic > 1) {
    throw new TypeError(`input '${name}' has symbolic shape ${formatShape(t.shape)}: feed a HostTensor with an explicit shape`);
  }
  if (symbolic === 0 ? data.length !== known : known === 0 || data.length % known !== 0) {
    throw new RangeError(`input '${name}' expects shape ${formatShape(t.shape)} (${symbolic ? `a multiple of ${known}` : known} elements), got a typed array of length ${data.length}`);
  }
  const shape = t.shape.map((d) => (typeof d === 'number' ? d : data.length / known));
  return new HostTensor(dtypeOfData(data), shape, data);
}

function describe(symbols: Map<string, number>): string {
  if (symbols.size === 0) return '';
  return ` (bound so far: ${[...symbols].map(([k, v]) => `${k}=${v}`).join(', ')})`;
}
