/**
 * ExploRLer's empty-space search (Zhang, Deb, Mueller 2025, arXiv 2509.25876; the
 * authors' scripts): from each anchor, walk away from the data set D of recent parameter
 * vectors under a Lennard-Jones-like force, keeping the walker every few moves as a
 * candidate to score.
 *
 * Every point the walk visits is an affine combination Σ wᵢ Dᵢ (Σ wᵢ = 1) of D: it starts
 * at a mean of points of D, and each move adds a combination of differences p − Dⱼ. So
 * the walk runs on the weights w with the Gram matrix of D (n × n, float64) giving every
 * distance, ‖Σ (w − w′)ᵢ Dᵢ‖² = (w − w′)ᵀ G (w − w′), and only the kept candidates are
 * formed in θ's space: O(n²P) once instead of O(n·P) per move.
 */

export interface EmptySpaceOptions {
  /** Moves of each walk (60). */
  readonly moves?: number;
  /** A candidate is kept at moves 0, keepEvery, 2·keepEvery, … ≤ moves (20: four per anchor). */
  readonly keepEvery?: number;
  /** Points of D that push on the walker: its nearest ones (6). */
  readonly neighbours?: number;
  /** The walk starts at the mean of the anchor's nearest points of D, the anchor excluded (5). */
  readonly startNeighbours?: number;
  /** ε of the force (0.5). */
  readonly epsilon?: number;
  /** Momentum γ of the direction (0.9; the later version of the scripts: 0.3). */
  readonly momentum?: number;
  /** Length of one move in parameter units, L2 (1e-3). */
  readonly step?: number;
  /** Distances are floored here in the force (1e-3). */
  readonly minDistance?: number;
}

export const EMPTY_SPACE_DEFAULTS: Required<EmptySpaceOptions> = { moves: 60, keepEvery: 20, neighbours: 6, startNeighbours: 5, epsilon: 0.5, momentum: 0.9, step: 1e-3, minDistance: 1e-3 };

/** The options completed with the defaults. @throws RangeError naming an option out of range. */
export function resolveSearchOptions(options: EmptySpaceOptions = {}): Required<EmptySpaceOptions> {
  const o = { ...EMPTY_SPACE_DEFAULTS, ...options };
  for (const [name, v] of [['moves', o.moves], ['keepEvery', o.keepEvery], ['neighbours', o.neighbours], ['startNeighbours', o.startNeighbours]] as const) {
    if (!Number.isSafeInteger(v) || v < (name === 'moves' ? 0 : 1)) throw new RangeError(`${name} must be an integer ≥ ${name === 'moves' ? 0 : 1}, got ${v}`);
  }
  for (const [name, v] of [['epsilon', o.epsilon], ['step', o.step], ['minDistance', o.minDistance]] as const) if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${name} must be a positive number, got ${v}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new RangeError(`momentum must lie in [0, 1), got ${o.momentum}`);
  return o;
}

/** Candidates one anchor yields. */
export function candidatesPerAnchor(options: EmptySpaceOptions = {}): number {
  const { moves, keepEvery } = resolveSearchOptions(options);
  return Math.floor(moves / keepEvery) + 1;
}

/**
 * The force's magnitude at distance d (positive pushes away): the derivative of a
 * 13-7 Lennard-Jones potential, F(d) = 6ε(2(σ/d)¹³ − (σ/d)⁷)/σ, repulsive inside 2^(1/6)σ.
 */
export function force(d: number, sigma: number, epsilon: number): number {
  const s = sigma / d;
  return (6 * epsilon * (2 * s ** 13 - s ** 7)) / sigma;
}

/**
 * Candidates from each anchor (indices into `points`, the data set D, n ≥ 2 vectors of
 * one length): the walk starts at the mean of the anchor's `startNeighbours` nearest
 * points, σ is the mean distance from there to its `neighbours` nearest, and each move
 * sums F(dⱼ)(p − Dⱼ)/dⱼ over those nearest, normalises it, blends it into the direction
 * with momentum γ (v ← γv + (1 − γ)f̂) and steps `step` along v.
 * @returns the candidates, anchor by anchor, `candidatesPerAnchor` each.
 * @throws RangeError for fewer than two points, points of different lengths, or an anchor out of range.
 */
export function emptySpaceSearch(points: readonly Float32Array[], anchors: readonly number[], options: EmptySpaceOptions = {}): Float32Array[] {
  const o = resolveSearchOptions(options);
  const n = points.length;
  if (n < 2) throw new RangeError(`the search needs at least two points, got ${n}`);
  const size = points[0]!.length;
  if (points.some((p) => p.length !== size)) throw new RangeError('points must all have the same length');
  for (const a of anchors) if (!(Number.isSafeInteger(a) && a >= 0 && a < n)) throw new RangeError(`anchor ${a} is not an index into the ${n} points`);

  const gram = centredGram(points);
  const norm2 = (w: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += w[i]! * gram[i * n + j]! * w[j]!;
    return Math.max(0, s);
  };
  /** Distances from the point with weights w to every point of D. */
  const distances = (w: Float64Array): number[] =>
    Array.from({ length: n }, (_, j) => {
      const d = w.slice();
      d[j]! -= 1;
      return Math.sqrt(norm2(d));
    });
  const nearest = (dist: readonly number[], count: number, exclude = -1): number[] =>
    dist.map((d, j) => [d, j] as const).filter(([, j]) => j !== exclude).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, count).map(([, j]) => j);

  const candidates: Float32Array[] = [];
  for (const anchor of anchors) {
    const start = nearest(distances(unit(n, anchor)), o.startNeighbours, anchor);
    const w = new Float64Array(n);
    for (const j of start) w[j] = 1 / start.length;
    const around = nearest(distances(w), o.neighbours);
    const d0 = distances(w);
    const sigma = around.reduce((s, j) => s + d0[j]!, 0) / around.length;
    const v = new Float64Array(n);
    for (let move = 0; move <= o.moves; move++) {
      if (move % o.keepEvery === 0) candidates.push(combine(points, w));
      if (move === o.moves || !(sigma > 0)) continue;
      const dist = distances(w);
      const f = new Float64Array(n);
      for (const j of nearest(dist, o.neighbours)) {
        const d = Math.max(dist[j]!, o.minDistance);
        const a = force(d, sigma, o.epsilon) / d;
        // a·(p − Dⱼ) in weights: a·w − a·eⱼ.
        for (let i = 0; i < n; i++) f[i]! += a * w[i]!;
        f[j]! -= a;
      }
      const length = Math.sqrt(norm2(f));
      if (!(length > 0)) continue;
      for (let i = 0; i < n; i++) {
        v[i] = o.momentum * v[i]! + ((1 - o.momentum) * f[i]!) / length;
        w[i]! += o.step * v[i]!;
      }
    }
  }
  return candidates;
}

function unit(n: number, i: number): Float64Array {
  const w = new Float64Array(n);
  w[i] = 1;
  return w;
}

/** ⟨Dᵢ − c, Dⱼ − c⟩ with c the mean of D (centred, so the large common part of θ does not swamp the differences). */
function centredGram(points: readonly Float32Array[]): Float64Array {
  const n = points.length;
  const size = points[0]!.length;
  const centred = points.map(() => new Float64Array(size));
  for (let k = 0; k < size; k++) {
    let c = 0;
    for (const p of points) c += p[k]!;
    c /= n;
    points.forEach((p, i) => (centred[i]![k] = p[k]! - c));
  }
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      const a = centred[i]!;
      const b = centred[j]!;
      for (let k = 0; k < size; k++) s += a[k]! * b[k]!;
      gram[i * n + j] = gram[j * n + i] = s;
    }
  }
  return gram;
}

/** Σ wᵢ Dᵢ in θ's space. */
function combine(points: readonly Float32Array[], w: Float64Array): Float32Array {
  const out = new Float32Array(points[0]!.length);
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let i = 0; i < points.length; i++) s += w[i]! * points[i]![k]!;
    out[k] = s;
  }
  return out;
}
