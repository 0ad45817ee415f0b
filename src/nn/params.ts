import type { ParamDecl } from './module.js';

export interface ParamEntry extends ParamDecl {
  /** Position of the first element in the flat parameter vector. */
  readonly offset: number;
  readonly size: number;
}

/**
 * Where each named parameter lives in one flat Float32Array. Keeping all parameters
 * in one vector lets estimators, optimisers and checkpoints treat them as θ ∈ R^P,
 * while graphs receive zero-copy views, one input per parameter.
 */
export class ParamLayout {
  readonly entries: readonly ParamEntry[];
  readonly size: number;
  private readonly byName: ReadonlyMap<string, ParamEntry>;

  constructor(decls: readonly ParamDecl[]) {
    let offset = 0;
    this.entries = decls.map((d) => {
      const size = d.shape.reduce((a, b) => a * b, 1);
      const entry = { ...d, offset, size };
      offset += size;
      return entry;
    });
    this.size = offset;
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
    if (this.byName.size !== this.entries.length) throw new Error('parameter names must be unique');
  }

  get(name: string): ParamEntry {
    const entry = this.byName.get(name);
    if (entry === undefined) throw new RangeError(`no parameter '${name}' (parameters: ${[...this.byName.keys()].join(', ')})`);
    return entry;
  }

  /** The part of a flat vector (θ, a gradient, noise) that holds parameter `name`. */
  view(flat: Float32Array, name: string): Float32Array {
    const { offset, size } = this.get(name);
    return flat.subarray(offset, offset + size);
  }

  /** Checks that `flat` is a parameter vector for this layout. */
  check(flat: Float32Array, what = 'parameters'): void {
    if (!(flat instanceof Float32Array) || flat.length !== this.size) {
      throw new RangeError(`${what} must be a Float32Array of length ${this.size}, got ${flat?.constructor?.name} of length ${flat?.length}`);
    }
  }
}
