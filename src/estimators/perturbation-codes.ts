import { permutation } from '../data/permutation.js';
import { fillRademacher, fillUniform } from '../rng/noise.js';
import { type Seed, deriveSeed } from '../rng/stream.js';

/**
 * The perturbation codes of multiplexed gradient descent (McCaughan et al. 2023, §II and
 * their code's perturb.jl): how n perturbed quantities (weights, or neurons in node
 * perturbation) share one cost signal. Each code gives the perturbation θ̃ of slot k (the
 * k-th hold of τp steps) with ‖θ̃‖ ≈ Δ, so that Σₖ θ̃ₖθ̃ₖᵀ ∝ I over the code's cycle and the
 * integrated C̃·θ̃ points along the gradient:
 *   tdma  (time division): one quantity at a time, +Δ, in an order shuffled once;
 *   cdma  (code division): every quantity ±a at random (Rademacher), or with sparsity ρ,
 *         nonzero with probability ρ, a = Δ/√(ρn);
 *   walsh: quantity m follows row r(m) of a Sylvester–Hadamard matrix across slots,
 *         ±Δ/√n: exactly orthogonal over a cycle of H slots;
 *   fdma  (frequency division): quantity m is a·sin(2π fₘ t + φₘ), a = Δ√2/√n, with
 *         distinct frequencies fₘ evenly spaced in [low, high] (shuffled), random phases.
 */
export type CodeName = 'tdma' | 'cdma' | 'walsh' | 'fdma';

export const CODE_NAMES: readonly CodeName[] = Object.freeze(['tdma', 'cdma', 'walsh', 'fdma']);

export interface CodeOptions {
  readonly code: CodeName;
  /** Δ, the L2 norm of the whole perturbation. */
  readonly amplitude: number;
  /** cdma: ρ ∈ (0, 1], the fraction of quantities perturbed in each slot (1: all). */
  readonly sparsity: number;
  /** fdma: the band of frequencies, in cycles per step, below the Nyquist frequency 0.5/τp. */
  readonly fdmaLow: number;
  readonly fdmaHigh: number;
  /** Steps per slot, τp (fdma's time is the slot's first step). */
  readonly taup: number;
}

/** Stream ids under the code's seed. */
const ORDER_STREAM = 1;
const SLOT_STREAM = 2;
const PHASE_STREAM = 3;

/** Smallest power of two above n: Sylvester–Hadamard rows 1 … H − 1 are enough for n quantities without the constant row 0. */
export function walshOrder(n: number): number {
  let h = 2;
  while (h <= n) h *= 2;
  return h;
}

/** Entry (r, c) of the Sylvester–Hadamard matrix of any power-of-two order: (−1)^popcount(r & c). */
export function hadamardEntry(r: number, c: number): 1 | -1 {
  let v = r & c;
  let parity = 0;
  while (v !== 0) {
    parity ^= v & 1;
    v >>>= 1;
  }
  return parity === 0 ? 1 : -1;
}

/**
 * A code over n quantities, its random choices (tdma's order, walsh's rows, fdma's
 * frequencies and phases, cdma's draws) fixed by `seed`. `fill(out, k)` writes slot k's
 * perturbation; it is a pure function of (seed, k), so a replay or a device regenerates it.
 */
export class PerturbationCode {
  /** tdma: the order of the quantities; walsh: each quantity's Hadamard row. */
  private readonly index?: Int32Array;
  /** fdma: frequencies (cycles per step) and phases (cycles). */
  private readonly frequency?: Float64Array;
  private readonly phase?: Float64Array;

  constructor(
    readonly n: number,
    readonly options: CodeOptions,
    private readonly seed: Seed,
  ) {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`a perturbation code needs at least one quantity, got ${n}`);
    checkCodeOptions(options);
    const order = deriveSeed(seed, ORDER_STREAM);
    switch (options.code) {
      case 'tdma':
        this.index = permutation(n, order);
        break;
      case 'walsh': {
        const h = walshOrder(n);
        // Rows 1 … H − 1, shuffled; the first n are the quantities' codes.
        this.index = permutation(h - 1, order).subarray(0, n).map((r) => r + 1);
        break;
      }
      case 'fdma': {
        const { fdmaLow: low, fdmaHigh: high } = options;
        const place = permutation(n, order);
        this.frequency = Float64Array.from(place, (p) => (n === 1 ? low : low + (p * (high - low)) / (n - 1)));
        const u = new Float32Array(n);
        fillUniform(u, deriveSeed(seed, PHASE_STREAM));
        this.phase = Float64Array.from(u);
        break;
      }
      case 'cdma':
        break;
    }
  }

  /** Writes the perturbation of slot k (steps [kτp, (k + 1)τp)) into `out` [n]. */
  fill(out: Float32Array, k: number): void {
    const { n } = this;
    if (out.length !== n) throw new RangeError(`out has length ${out.length}, the code ${n}`);
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`slot must be a non-negative integer, got ${k}`);
    const { amplitude, sparsity } = this.options;
    switch (this.options.code) {
      case 'tdma':
        out.fill(0);
        out[this.index![k % n]!] = amplitude;
        return;
      case 'cdma': {
        const stream = deriveSeed(this.seed, SLOT_STREAM, k);
        if (sparsity === 1) {
          fillRademacher(out, stream, 0, amplitude / Math.sqrt(n));
          return;
        }
        const a = amplitude / Math.sqrt(sparsity * n);
        fillUniform(out, stream);
        // u < ρ/2: +a; ρ/2 ≤ u < ρ: −a; else 0.
        for (let i = 0; i < n; i++) out[i] = out[i]! < sparsity / 2 ? a : out[i]! < sparsity ? -a : 0;
        return;
      }
      case 'walsh': {
        const a = amplitude / Math.sqrt(n);
        const column = k % walshOrder(n);
        for (let i = 0; i < n; i++) out[i] = a * hadamardEntry(this.index![i]!, column);
        return;
      }
      case 'fdma': {
        const a = (amplitude * Math.SQRT2) / Math.sqrt(n);
        const t = k * this.options.taup;
        // The phase in cycles, reduced before the sine: f·t grows without bound.
        for (let i = 0; i < n; i++) out[i] = a * Math.sin(2 * Math.PI * ((this.frequency![i]! * t + this.phase![i]!) % 1));
        return;
      }
    }
  }
}

/**
 * Checks a code's options together: Δ > 0, sparsity in (0, 1] and only for cdma, fdma's
 * band inside (0, 0.5/τp) (at or above the Nyquist frequency of slots τp steps apart, two
 * frequencies alias). Throws a RangeError naming the flags.
 */
export function checkCodeOptions(o: CodeOptions): void {
  if (!CODE_NAMES.includes(o.code)) throw new RangeError(`--code must be one of ${CODE_NAMES.join(', ')}; got '${o.code}'`);
  if (!(o.amplitude > 0 && Number.isFinite(o.amplitude))) throw new RangeError(`--amplitude (Δ) must be a positive number, got ${o.amplitude}`);
  if (!(o.sparsity > 0 && o.sparsity <= 1)) throw new RangeError(`--sparsity must be in (0, 1], got ${o.sparsity}`);
  if (o.sparsity !== 1 && o.code !== 'cdma') throw new RangeError(`--sparsity applies to --code cdma only, not ${o.code}`);
  if (!Number.isSafeInteger(o.taup) || o.taup < 1) throw new RangeError(`--taup must be a positive integer, got ${o.taup}`);
  if (o.code === 'fdma') {
    const nyquist = 0.5 / o.taup;
    if (!(o.fdmaLow > 0 && o.fdmaLow <= o.fdmaHigh)) throw new RangeError(`--fdma-low must be positive and at most --fdma-high, got ${o.fdmaLow} and ${o.fdmaHigh}`);
    if (!(o.fdmaHigh < nyquist)) throw new RangeError(`--fdma-high ${o.fdmaHigh} must be below the Nyquist frequency 0.5/τp = ${nyquist} cycles per step (--taup ${o.taup})`);
  }
}
