/**
 * Name globs for choosing parameters: `*` matches any run of characters (dots and
 * slashes included), `?` one character; a comma separates alternatives
 * ('head.*,enc.layers.1.*').
 */
export function globPatterns(globs: string | readonly string[]): string[] {
  const list = (typeof globs === 'string' ? [globs] : globs).flatMap((g) => g.split(',')).map((g) => g.trim());
  if (list.length === 0 || list.some((g) => g === '')) throw new RangeError(`globs must be non-empty, got ${JSON.stringify(globs)}`);
  return list;
}

function regex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The names each glob selects, in `names` order. Throws RangeError naming a glob that
 * matches no name (`what` says what was being chosen), listing the names.
 */
export function selectByGlobs(names: readonly string[], globs: string | readonly string[], what: string): string[] {
  const patterns = globPatterns(globs).map((g) => ({ g, re: regex(g) }));
  for (const { g, re } of patterns) {
    if (!names.some((n) => re.test(n))) throw new RangeError(`${what} '${g}' matches no parameter; parameters: ${names.join(', ')}`);
  }
  return names.filter((n) => patterns.some(({ re }) => re.test(n)));
}
