/**
 * Boundary checks for the surrogate library. Each throws TypeError for a wrong kind and
 * RangeError for a bad value, naming the parameter and what it accepts.
 */

export function checkNumber(name: string, value: number, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!ok(value)) throw new RangeError(`${name} must be ${expected}, got ${value}`);
  return value;
}

export const finite = (name: string, value: number): number => checkNumber(name, value, Number.isFinite, 'a finite number');

export const positive = (name: string, value: number): number =>
  checkNumber(name, value, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0');

export const nonNegative = (name: string, value: number): number =>
  checkNumber(name, value, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');

export const positiveInteger = (name: string, value: number): number =>
  checkNumber(name, value, (v) => Number.isSafeInteger(v) && v > 0, 'an integer > 0');

export const nonNegativeInteger = (name: string, value: number): number =>
  checkNumber(name, value, (v) => Number.isSafeInteger(v) && v >= 0, 'an integer ≥ 0');

/** A Float64Array of `length` finite entries (length -1: any length ≥ 1). */
export function checkVector(name: string, value: Float64Array, length = -1): Float64Array {
  if (!(value instanceof Float64Array)) throw new TypeError(`${name} must be a Float64Array`);
  if (length >= 0 ? value.length !== length : value.length === 0) {
    throw new RangeError(`${name} must have length ${length >= 0 ? length : '≥ 1'}, got ${value.length}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i])) throw new RangeError(`${name}[${i}] must be finite, got ${value[i]}`);
  }
  return value;
}

/** n points of one dimension as a row-major n×d Float64Array; every point is checked. */
export function flattenPoints(name: string, points: readonly Float64Array[], dimension = -1): { data: Float64Array; n: number; d: number } {
  if (!Array.isArray(points)) throw new TypeError(`${name} must be an array of Float64Arrays`);
  if (points.length === 0) throw new RangeError(`${name} must hold at least one point`);
  const d = dimension >= 0 ? dimension : checkVector(`${name}[0]`, points[0]!).length;
  const data = new Float64Array(points.length * d);
  points.forEach((p, a) => data.set(checkVector(`${name}[${a}]`, p, d), a * d));
  return { data, n: points.length, d };
}

/** Values as a Float64Array of `length` finite numbers. */
export function checkValues(name: string, values: ArrayLike<number>, length: number): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${name} must be an array or typed array of numbers`);
  }
  if (values.length !== length) throw new RangeError(`${name} must have ${length} entries (one per point), got ${values.length}`);
  const out = Float64Array.from(values);
  out.forEach((v, i) => finite(`${name}[${i}]`, v));
  return out;
}

/** A string option from a fixed list. */
export function checkChoice<T extends string>(name: string, value: T, choices: readonly T[]): T {
  if (!choices.includes(value)) throw new RangeError(`${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${String(value)}`);
  return value;
}
