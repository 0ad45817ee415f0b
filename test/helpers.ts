import assert from 'node:assert/strict';
import type { HostData } from '../src/engine/ir/dtype.js';

/** A small seeded generator for test data (mulberry32), independent of the library's RNG. */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a seeded uniform source (Box–Muller). */
export function normals(n: number, random: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

export function toNumbers(data: HostData | ArrayLike<number>): number[] {
  return Array.from(data as ArrayLike<number | bigint>, Number);
}

/** Asserts |actual - expected| <= atol + rtol·|expected| elementwise, reporting the worst element. */
export function assertAllClose(actual: HostData | ArrayLike<number>, expected: HostData | ArrayLike<number>, { rtol = 1e-5, atol = 1e-8, what = 'values' } = {}): void {
  const a = toNumbers(actual);
  const e = toNumbers(expected);
  assert.equal(a.length, e.length, `${what}: lengths differ (${a.length} vs ${e.length})`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) assert.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
