import { parseArgs } from 'node:util';

/** A command-line mistake: the CLI prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type FlagType = 'string' | 'number' | 'integer' | 'boolean';

export interface FlagSpec<T extends FlagType = FlagType> {
  readonly type: T;
  readonly help: string;
  readonly default?: FlagValue<T>;
  /** Allowed values for string flags. */
  readonly choices?: readonly string[];
  /** Lower bound for numeric flags. */
  readonly min?: number;
  /** Upper bound for numeric flags. */
  readonly max?: number;
}

type FlagValue<T extends FlagType> = T extends 'boolean' ? boolean : T extends 'string' ? string : number;

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type ParsedFlags<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends FlagSpec<infer T> ? (S[K] extends { default: unknown } ? FlagValue<T> : FlagValue<T> | undefined) : never;
} & { help?: boolean };

export interface Command<S extends FlagSpecs = FlagSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, for the usage line. */
  readonly positionals?: string;
  readonly flags: S;
}

/** Parses `argv` against the command's flags; throws UsageError for unknown flags or bad values. */
export function parseFlags<S extends FlagSpecs>(command: Command<S>, argv: readonly string[]): { flags: ParsedFlags<S>; positionals: string[]; given: Set<keyof S & string> } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(command.flags)) options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: withNegativeValues(argv, command.flags), options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(command.flags)) {
    const raw = parsed.values[name];
    flags[name] = raw === undefined ? spec.default : convert(name, spec, raw);
  }
  if (parsed.values.help === true) flags.help = true;
  const given = new Set(Object.keys(command.flags).filter((name) => parsed.values[name] !== undefined));
  return { flags: flags as ParsedFlags<S>, positionals: parsed.positionals, given };
}

/**
 * parseFlags for a command that takes flags only: prints the usage and returns undefined
 * for --help (the caller exits 0); throws UsageError for a positional argument.
 */
export function parseFlagsOnly<S extends FlagSpecs>(command: Command<S>, argv: readonly string[]): { flags: ParsedFlags<S>; given: Set<keyof S & string> } | undefined {
  const { flags, positionals, given } = parseFlags(command, argv);
  if (flags.help) {
    console.log(usage(command));
    return undefined;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return { flags, given };
}

/**
 * `--flag -1` as `--flag=-1` for flags that take a value: parseArgs reads a value starting
 * with '-' as another option and refuses it as ambiguous, which hides the real message
 * (e.g. "--epochs must be at least 1").
 */
function withNegativeValues(argv: readonly string[], flags: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.startsWith('--') ? argv[i]!.slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && flags[name] !== undefined && flags[name]!.type !== 'boolean' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

function convert(name: string, spec: FlagSpec, raw: string | boolean | (string | boolean)[]): unknown {
  if (Array.isArray(raw)) throw new UsageError(`--${name} given more than once`);
  if (spec.type === 'boolean') return raw;
  const text = String(raw);
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(text)) throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got '${text}'`);
    return text;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} expects a number, got '${text}'`);
  if (spec.type === 'integer' && !Number.isInteger(value)) throw new UsageError(`--${name} expects an integer, got '${text}'`);
  if (spec.min !== undefined && value < spec.min) throw new UsageError(`--${name} must be at least ${spec.min}, got ${text}`);
  if (spec.max !== undefined && value > spec.max) throw new UsageError(`--${name} must be at most ${spec.max}, got ${text}`);
  return value;
}

/** The `--help` text of a command. */
export function usage(command: Command, program = 'forwardprop'): string {
  const lines = [`Usage: ${program} ${command.name}${command.positionals ? ` ${command.positionals}` : ''} [flags]`, '', command.summary, '', 'Flags:'];
  const entries = Object.entries(command.flags).map(([name, spec]) => {
    // Long lists of choices go with the help text, keeping the flag column narrow.
    const inline = spec.choices && spec.choices.join('|').length <= 24;
    const left = `  --${name}${spec.type === 'boolean' ? '' : ` <${inline ? spec.choices!.join('|') : spec.type}>`}`;
    const choices = spec.choices && !inline ? ` (${spec.choices.join(', ')})` : '';
    const def = spec.default !== undefined && spec.type !== 'boolean' ? ` (default: ${spec.default})` : '';
    return [left, `${spec.help}${choices}${def}`] as const;
  });
  entries.push(['  --help', 'show this help']);
  const width = Math.max(...entries.map(([l]) => l.length)) + 2;
  for (const [left, right] of entries) lines.push(`${left.padEnd(width)}${right}`);
  return lines.join('\n');
}

/** `parse()`'s value, its error turned into a UsageError that names the flag (exit 2). */
export function flagValue<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

/** A comma-separated list with one number per item of another list, each passing `ok` (UsageError naming the flag otherwise). */
export function perItem(flag: string, text: string, count: number, what: string, ok: (v: number) => boolean): number[] {
  const values = text.split(',').map(Number);
  if (values.length !== count || !values.every(ok)) throw new UsageError(`${flag} takes ${what} per method (${count}), comma-separated; got '${text}'`);
  return values;
}
