/**
 * The per-parameter kernel in TypeScript: the reference the WebAssembly kernel reproduces
 * bit for bit (wasm-kernel.wat), and the fallback where WebAssembly SIMD is missing.
 * Float32Array stores round each float64 result once, as the kernel's demotions do.
 */
import { scalarBackend } from './scalar-backend.js';
import { CHUNK, SLOTS, type VectorBackend, drawInto } from './vector.js';

const slots = Array.from({ length: SLOTS }, () => new Float32Array(CHUNK));
const moved = new Float32Array(2);

export const scalarVector: VectorBackend = {
  name: 'scalar',
  slots,
  scale(p, n, f) {
    const s = slots[p]!;
    for (let i = 0; i < n; i++) s[i] = s[i]! * f;
  },
  axpy(y, x, n, a) {
    const ys = slots[y]!;
    const xs = slots[x]!;
    for (let i = 0; i < n; i++) ys[i] = ys[i]! + a * xs[i]!;
  },
  addScaled(theta, u, n, f) {
    const [ts, us] = [slots[theta]!, slots[u]!];
    for (let i = 0; i < n; i++) ts[i] = ts[i]! + Math.fround(us[i]! * f);
  },
  add(dst, a, b, n) {
    const [d, x, y] = [slots[dst]!, slots[a]!, slots[b]!];
    for (let i = 0; i < n; i++) d[i] = x[i]! + y[i]!;
  },
  sub(dst, a, b, n) {
    const [d, x, y] = [slots[dst]!, slots[a]!, slots[b]!];
    for (let i = 0; i < n; i++) d[i] = x[i]! - y[i]!;
  },
  mul(dst, a, b, n) {
    const [d, x, y] = [slots[dst]!, slots[a]!, slots[b]!];
    for (let i = 0; i < n; i++) d[i] = x[i]! * y[i]!;
  },
  clamp(p, n, lo, hi) {
    const s = slots[p]!;
    for (let i = 0; i < n; i++) s[i] = Math.min(hi, Math.max(lo, s[i]!));
  },
  adam(u, mu, nu, n, b1, b2, c1, c2, eps) {
    const [us, ms, vs] = [slots[u]!, slots[mu]!, slots[nu]!];
    for (let i = 0; i < n; i++) {
      const g = us[i]!;
      const m = b1 * ms[i]! + (1 - b1) * g;
      const v = b2 * vs[i]! + (1 - b2) * g * g;
      ms[i] = m;
      vs[i] = v;
      us[i] = (m * c1) / (Math.sqrt(v * c2) + eps);
    }
  },
  momentum(u, trace, n, beta, nesterov) {
    const [us, ts] = [slots[u]!, slots[trace]!];
    for (let i = 0; i < n; i++) {
      const g = us[i]!;
      const t = g + beta * ts[i]!;
      ts[i] = t;
      us[i] = nesterov ? g + beta * t : t;
    }
  },
  sumSquares(p, n, acc) {
    const s = slots[p]!;
    for (let i = 0; i < n; i++) acc += s[i]! * s[i]!;
    return acc;
  },
  finite(p, n) {
    const s = slots[p]!;
    for (let i = 0; i < n; i++) if (!Number.isFinite(s[i]!)) return false;
    return true;
  },
  applied(theta, o, n, first, central, acc, copies) {
    const [ts, os] = [slots[theta]!, slots[o]!];
    for (let i = 0; i < n; i++) {
      const lane = (first + i) & 3;
      const x = os[i]!;
      moved[0] = ts[i]! + x;
      moved[1] = central ? ts[i]! - x : ts[i]!;
      acc[lane]! += ((moved[0]! - moved[1]!) / (central ? 2 : 1)) * x;
      acc[4 + lane]! += x * x;
      if (copies) {
        slots[copies.plus]![i] = moved[0]!;
        slots[copies.minus]![i] = moved[1]!;
      }
    }
  },
  pair(plus, minus, theta, o, n) {
    const [ps, ms, ts, os] = [slots[plus]!, slots[minus]!, slots[theta]!, slots[o]!];
    for (let i = 0; i < n; i++) {
      ps[i] = ts[i]! + os[i]!;
      ms[i] = ts[i]! - os[i]!;
    }
  },
  noise(p, domain, n, offset, k0, k1, scale) {
    drawInto(scalarBackend, slots[p]!, domain, n, offset, k0, k1, scale);
  },
};
