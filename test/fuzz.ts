/** Shared pieces of the readers' property tests (fast-check). */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/**
 * A fixed seed keeps every run of the suite identical. To fuzz harder or elsewhere, set
 * FUZZ_RUNS (a multiple of each property's runs) and FUZZ_SEED, e.g. FUZZ_RUNS=50 FUZZ_SEED=7.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
export const FUZZ = { seed: Number(process.env.FUZZ_SEED ?? 0x5eed), numRuns: Math.round(200 * SCALE) } as const;

/** Options for a property whose runs cost more (files, child processes): `runs` at scale 1. */
export function fuzzRuns(runs: number): { seed: number; numRuns: number } {
  return { seed: FUZZ.seed, numRuns: Math.round(runs * SCALE) };
}

/** A mutation of a valid file: a truncation, bytes appended, bytes flipped or a span overwritten. */
export type Mutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Uint8Array };

/** Mutations of a file of `size` bytes; positions are fractions of the size so they always land inside it. */
export function mutation(size: number): fc.Arbitrary<Mutation> {
  const position = fc.nat({ max: Math.max(size - 1, 0) });
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: position, mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  );
}

/** The mutated copy (never the same bytes: an overwrite with the same bytes becomes a flip). */
export function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  // A copy as a plain Uint8Array: Buffer's slice() would share memory with the original.
  const bytes = Uint8Array.from(original);
  switch (m.kind) {
    case 'truncate':
      return bytes.slice(0, m.at);
    case 'append':
      return Uint8Array.from([...bytes, ...m.bytes]);
    case 'flip': {
      const out = bytes.slice();
      out[m.at]! ^= m.mask;
      return out;
    }
    case 'overwrite': {
      const out = bytes.slice();
      out.set(m.bytes.subarray(0, out.length - m.at), m.at);
      if (out.every((b, i) => b === bytes[i])) out[m.at]! ^= 0xff;
      return out;
    }
  }
}

/**
 * Asserts that `e` is a refusal a user can act on: a plain Error (not a TypeError or
 * RangeError from deep inside the reader) whose message names `file`.
 */
export function assertRefusal(e: unknown, file: string): void {
  assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
  assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `threw ${e.name}: ${e.message}\n${e.stack}`);
  assert.ok(e.message.includes(file), `the message does not name ${file}: ${e.message}`);
}

/** Runs `read`; returns its value, or undefined after checking that it refused with assertRefusal. */
export function readOrRefuse<T>(read: () => T, file: string): T | undefined {
  try {
    return read();
  } catch (e) {
    assertRefusal(e, file);
    return undefined;
  }
}

/** readOrRefuse for async readers. */
export async function readOrRefuseAsync<T>(read: () => Promise<T>, file: string): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    assertRefusal(e, file);
    return undefined;
  }
}
