/**
 * Shapes mix concrete sizes and named symbolic sizes ('batch'): a graph is built once
 * and runs at any batch size. Symbols only ever come from graph inputs; reshapes may
 * merge them into products written 'batch*64' (symbols sorted, the number last).
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function isConcrete(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Number of elements, or undefined when a dimension is symbolic. */
export function sizeOf(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy broadcasting; returns undefined when the shapes are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): Shape | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return undefined;
  }
  return out;
}

/** Resolves a possibly negative axis against `rank`; throws RangeError when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank));
  if (new Set(out).size !== out.length) throw new RangeError(`axes ${formatShape(axes)} repeat an axis`);
  return out.sort((x, y) => x - y);
}

/** A dim as a number times symbols: 'batch*64' → { size: 64, symbols: ['batch'] }. */
export function dimFactors(d: Dim): { size: number; symbols: string[] } {
  if (typeof d === 'number') return { size: d, symbols: [] };
  const symbols: string[] = [];
  let size = 1;
  for (const f of d.split('*')) {
    if (/^\d+$/.test(f)) size *= Number(f);
    else symbols.push(f);
  }
  return { size, symbols };
}

/** The product of dims as one dim: a number when all are concrete, else a canonical 'a*b*64'. */
export function productDim(dims: readonly Dim[]): Dim {
  let size = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    const f = dimFactors(d);
    size *= f.size;
    symbols.push(...f.symbols);
  }
  if (symbols.length === 0) return size;
  symbols.sort();
  return size === 1 ? symbols.join('*') : `${symbols.join('*')}*${size}`;
}

/** Substitutes bound symbols (products too); throws when a symbol has no binding. */
export function resolveShape(shape: Shape, bindings: ReadonlyMap<string, number>): number[] {
  return shape.map((d) => {
    const { size, symbols } = dimFactors(d);
    return symbols.reduce((n, s) => {
      const v = bindings.get(s);
      if (v === undefined) throw new Error(`symbolic dimension '${s}' is not bound by any input`);
      return n * v;
    }, size);
  });
}
