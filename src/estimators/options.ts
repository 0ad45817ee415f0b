/**
 * Typed method options with defaults and ranges, declared once per estimator in its
 * descriptor. The trainer validates a config against them, and the CLI derives its
 * flags and help from them, so an option cannot be documented in one place and
 * silently dropped in another.
 */

export type OptionValue = number | string | boolean;

/** A method's options, by name (camelCase; the CLI flag is its kebab-case form). */
export type OptionValues = { readonly [name: string]: OptionValue | undefined };

type TypeName<T> = T extends boolean ? 'boolean' : T extends string ? 'string' : 'integer' | 'number';

export interface OptionSpec<T extends OptionValue = OptionValue> {
  readonly type: TypeName<T>;
  readonly help: string;
  /** Absent: the option is optional and the method derives its value (e.g. cge's coordinates: all of them). */
  readonly default?: T;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (ε > 0). */
  readonly above?: number;
  /** Allowed values for strings. */
  readonly choices?: readonly string[];
  /** Changes memory or speed, never results: a resumed run may change it. */
  readonly resumable?: true;
}

export type OptionSpecs<O extends object> = { readonly [K in keyof O]-?: OptionSpec<NonNullable<O[K]> & OptionValue> };

/** A bad method option; `option` names it (the CLI turns it into its flag). */
export class OptionError extends RangeError {
  override readonly name = 'RangeError';

  constructor(
    readonly method: string,
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** directionsPerCall → directions-per-call. */
export function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The options a method runs with: `given` checked against `specs` (kind, range, name)
 * and completed with the defaults. Throws a RangeError naming the method for an option it
 * does not take (listing those it does) or a value out of range, a TypeError for a wrong kind.
 */
export function resolveOptions<O extends object>(method: string, specs: OptionSpecs<O>, given: Readonly<Record<string, unknown>> = {}): O {
  const names = Object.keys(specs);
  const resolved: Record<string, OptionValue | undefined> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(specs, name)) {
      throw new OptionError(method, name, `method ${method} takes no option '${name}' (--${flagName(name)}); ${names.length > 0 ? `its options: ${names.join(', ')}` : 'it takes no options'}`);
    }
    resolved[name] = checkOption(method, name, specs[name as keyof O] as OptionSpec, value);
  }
  for (const name of names) {
    const spec = specs[name as keyof O] as OptionSpec;
    if (resolved[name] === undefined && spec.default !== undefined) resolved[name] = spec.default;
  }
  return resolved as O;
}

function checkOption(method: string, name: string, spec: OptionSpec, value: unknown): OptionValue {
  const what = `${method} option ${name} (--${flagName(name)})`;
  if (spec.type === 'boolean' || spec.type === 'string') {
    if (typeof value !== spec.type) throw new TypeError(`${what} must be a ${spec.type}, got ${typeof value}`);
    if (spec.choices && !spec.choices.includes(value as string)) throw new OptionError(method, name, `${what} must be one of ${spec.choices.join(', ')}; got '${String(value)}'`);
    return value as OptionValue;
  }
  if (typeof value !== 'number') throw new TypeError(`${what} must be a number, got ${typeof value}`);
  const fail = (message: string): never => {
    throw new OptionError(method, name, `${what} must be ${message}, got ${value}`);
  };
  if (!Number.isFinite(value) || (spec.type === 'integer' && !Number.isSafeInteger(value))) fail(spec.type === 'integer' ? 'an integer' : 'a finite number');
  if (spec.min !== undefined && value < spec.min) fail(`at least ${spec.min}`);
  if (spec.max !== undefined && value > spec.max) fail(`at most ${spec.max}`);
  if (spec.above !== undefined && !(value > spec.above)) fail(`greater than ${spec.above}`);
  return value;
}

/**
 * Checks the method options among `options` (other keys — seed, compile — pass), for
 * estimators constructed directly rather than through createEstimator. Throws as
 * resolveOptions does.
 */
export function checkOptions<O extends object>(method: string, specs: OptionSpecs<O>, options: object): void {
  for (const [name, value] of Object.entries(options)) {
    if (Object.hasOwn(specs, name) && value !== undefined) checkOption(method, name, specs[name as keyof O] as OptionSpec, value);
  }
  for (const [name, spec] of Object.entries(specs) as [string, OptionSpec][]) {
    if (spec.default !== undefined && (options as Record<string, unknown>)[name] === undefined) throw new TypeError(`${method} option ${name} is required (default ${String(spec.default)} when made by createEstimator)`);
  }
}
