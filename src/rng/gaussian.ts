/**
 * Box–Muller from two uint32 words using only correctly rounded IEEE float32 operations
 * (+, −, ×, ÷, sqrt, int-to-float) and integer bit operations, so every platform agrees. This scalar version rounds
 * after each operation with Math.fround, in the same order as the WebAssembly kernel,
 * which reads its constants from GAUSSIAN_CONSTANTS: the two agree bit for bit.
 */
const fround = Math.fround;

// Minimax fits; every constant is exactly a float32, and the resulting normals are within
// a few float32 ulps of exact Box–Muller on the same words (see test/rng/gaussian.test.ts).
// −2·ln m = s·(P0 + z·(P1 + z·(P2 + z·P3))) with s = (m − 1)/(m + 1), z = s², |s| ≤ 0.172.
const P0 = -4.0;
const P1 = -1.333336353302002;
const P2 = -0.7994951605796814;
const P3 = -0.5985302925109863;
// sin(π/2·f) ≈ f·(S0 + f²·(S1 + … + f²·S4)), cos(π/2·f) ≈ C0 + f²·(C1 + … + f²·C4) on [−1, 1].
const S0 = 1.5707963705062866;
const S1 = -0.6459637880325317;
const S2 = 0.07968992739915848;
const S3 = -0.004674157127737999;
const S4 = 0.00015167832316365093;
const C0 = 0.9999999403953552;
const C1 = -1.2336982488632202;
const C2 = 0.2536507546901703;
const C3 = -0.020810624584555626;
const C4 = 0.0008581892470829189;
const NEG_TWO_LN2 = -1.3862943649291992; // float32(−2·ln 2)

/** The constants in the order the WebAssembly kernel loads them (see wasm-kernel.wat). */
export const GAUSSIAN_CONSTANTS = Float32Array.of(
  NEG_TWO_LN2, P0, P1, P2, P3, S0, S1, S2, S3, S4, C0, C1, C2, C3, C4,
);

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
// Float32 bits of √½, plus 31 in the exponent field to divide by 2³¹ for free.
const SQRT_HALF_BITS = 0x3f3504f3;
const SQRT_HALF_BITS_OVER_2_POW_31 = 0x4eb504f3;

/**
 * Radius sqrt(−2 ln u)·scale for u = (⌊word/2⌋ + ½)/2³¹ in (0, 1]: with u = m·2^k,
 * m in [√½, √2), −2 ln u = −2k·ln 2 − 2 ln m and the log series argument stays small.
 */
function radius(word: number, scale: number): number {
  f32[0] = fround(word >>> 1) + 0.5;
  const t = (i32[0]! - SQRT_HALF_BITS_OVER_2_POW_31) | 0;
  i32[0] = (t & 0x7fffff) + SQRT_HALF_BITS;
  const m = f32[0]!;
  const s = fround(fround(m - 1) / fround(m + 1));
  const z = fround(s * s);
  let p = P3;
  p = fround(fround(p * z) + P2);
  p = fround(fround(p * z) + P1);
  p = fround(fround(p * z) + P0);
  const r2 = fround(fround((t >> 23) * NEG_TWO_LN2) + fround(p * s));
  return fround(fround(Math.sqrt(r2)) * scale);
}

/**
 * Writes r·cos θ to out[cosAt] and r·sin θ to out[sinAt]. The radius uses bits 1–31 of
 * wordR; θ = π/2·f with f = wordA/2³¹ in [−1, 1) as a signed integer, so sin's sign comes
 * for free, and bit 0 of wordR negates cos: θ uniform on the circle, no range reduction.
 */
export function gaussianPair(
  out: Float32Array,
  cosAt: number,
  sinAt: number,
  wordR: number,
  wordA: number,
  scale: number,
): void {
  const r = radius(wordR, scale);
  const f = fround(wordA | 0) * 2 ** -31;
  const f2 = fround(f * f);
  let s = S4;
  s = fround(fround(s * f2) + S3);
  s = fround(fround(s * f2) + S2);
  s = fround(fround(s * f2) + S1);
  s = fround(fround(s * f2) + S0);
  let c = C4;
  c = fround(fround(c * f2) + C3);
  c = fround(fround(c * f2) + C2);
  c = fround(fround(c * f2) + C1);
  c = fround(fround(c * f2) + C0);
  out[cosAt] = r * (wordR & 1 ? -c : c);
  out[sinAt] = r * fround(s * f);
}
