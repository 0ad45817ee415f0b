/** Argument checks shared by the optimiser factories; each throws a RangeError naming the parameter. */

function ensure(name: string, value: number, ok: boolean, expected: string): number {
  if (typeof value !== 'number' || !ok) throw new RangeError(`${name} must be ${expected}, got ${String(value)}`);
  return value;
}

export const finite = (name: string, value: number): number => ensure(name, value, Number.isFinite(value), 'a finite number');

export const nonNegative = (name: string, value: number): number =>
  ensure(name, value, Number.isFinite(value) && value >= 0, 'a finite number ≥ 0');

export const positive = (name: string, value: number): number => ensure(name, value, Number.isFinite(value) && value > 0, 'a finite number > 0');

/** A decay rate of an exponential moving average (momentum, Adam's b1 and b2). */
export const decayRate = (name: string, value: number): number => ensure(name, value, value >= 0 && value < 1, 'in [0, 1)');

export const nonNegativeInteger = (name: string, value: number): number =>
  ensure(name, value, Number.isSafeInteger(value) && value >= 0, 'an integer ≥ 0');

export const positiveInteger = (name: string, value: number): number =>
  ensure(name, value, Number.isSafeInteger(value) && value > 0, 'an integer > 0');
