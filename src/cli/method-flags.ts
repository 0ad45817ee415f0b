import { ESTIMATORS, type EstimatorName, isEstimatorName } from '../estimators/registry.js';
import { type OptionSpec, flagName } from '../estimators/options.js';
import { type FlagSpec, UsageError } from './args.js';

/** One flag per method option name across every descriptor, and which methods take it. */
interface MethodFlag {
  readonly option: string;
  readonly flag: string;
  readonly spec: FlagSpec;
  readonly methods: readonly string[];
}

/**
 * The CLI flags of every method's options, derived from the descriptors: the flag is the
 * option's kebab-case name; its help lists the methods that take it and their defaults.
 * Boolean options take 'true' or 'false' (so a default of true can be turned off).
 */
export const METHOD_FLAGS: readonly MethodFlag[] = (() => {
  const byName = new Map<string, { spec: OptionSpec; methods: string[]; defaults: string[]; choices: Set<string> }>();
  for (const [method, d] of Object.entries(ESTIMATORS)) {
    for (const [option, spec] of Object.entries(d.options) as [string, OptionSpec][]) {
      const entry = byName.get(option) ?? { spec, methods: [], defaults: [], choices: new Set<string>() };
      entry.methods.push(method);
      if (spec.default !== undefined) entry.defaults.push(`${method} ${String(spec.default)}`);
      for (const c of spec.choices ?? (spec.type === 'boolean' ? ['true', 'false'] : [])) entry.choices.add(c);
      byName.set(option, entry);
    }
  }
  return [...byName].map(([option, { spec, methods, defaults, choices }]) => {
    const type = spec.type === 'boolean' ? 'string' : spec.type;
    const min = spec.type === 'integer' || spec.type === 'number' ? { min: spec.min ?? spec.above ?? 0 } : {};
    const help = `${spec.help} [${methods.join(', ')}${defaults.length > 0 ? `; default ${defaults.join(', ')}` : ''}]`;
    return { option, flag: flagName(option), spec: { type, help, ...min, ...(choices.size > 0 && { choices: [...choices] }) } as FlagSpec, methods };
  });
})();

/** The flag specs, by flag name, to merge into a command's flags. */
export const methodFlagSpecs: Readonly<Record<string, FlagSpec>> = Object.fromEntries(METHOD_FLAGS.map((f) => [f.flag, f.spec]));

/**
 * The options given on the command line for `method`, by option name; a method flag the
 * method does not take is a usage error (returned as a message naming what it takes).
 */
export function methodOptions(method: string, given: ReadonlySet<string>, values: Readonly<Record<string, unknown>>): { options: Record<string, number | string | boolean>; error?: string } {
  const takes = Object.keys(ESTIMATORS[method as keyof typeof ESTIMATORS]?.options ?? {});
  const options: Record<string, number | string | boolean> = {};
  for (const f of METHOD_FLAGS) {
    if (!given.has(f.flag)) continue;
    if (!takes.includes(f.option)) {
      return { options, error: `--${f.flag} does not apply to method ${method} (it applies to ${f.methods.join(', ')}); ${method} takes ${takes.length > 0 ? takes.map((o) => `--${flagName(o)}`).join(', ') : 'no method options'}` };
    }
    const value = values[f.flag];
    const spec = ESTIMATORS[method as keyof typeof ESTIMATORS].options[f.option as never] as OptionSpec;
    options[f.option] = spec.type === 'boolean' ? value === 'true' : (value as number | string);
  }
  return { options };
}

/** Comma-separated method names (UsageError naming the flag and listing the methods for an unknown one). */
export function methodList(text: string, flag = '--methods'): EstimatorName[] {
  const methods = text.split(',').map((m) => m.trim());
  const unknown = methods.find((m) => !isEstimatorName(m));
  if (unknown !== undefined) throw new UsageError(`${flag}: unknown method '${unknown}'; methods: ${Object.keys(ESTIMATORS).join(', ')}`);
  return methods as EstimatorName[];
}
