import { createEstimator } from '../estimators/registry.js';
import { vectorBatch, vectorOracle } from '../objectives/vector-objective.js';
import { adam } from '../optim/aliases.js';
import type { LineChart, ResultTable } from '../report/result.js';
import { fillUniform } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { type TestFunction, ackley, levy } from '../surrogate/test-functions.js';
import { initTrainState, trainStep } from '../train/step.js';
import { markdownTable, writeStudy } from './federated-study.js';

export const ZORD_METHODS = ['surrogate', 'spsa', 'rgf', 'prgf'] as const;
export const ZORD_FUNCTIONS = { ackley, levy } as const;

export interface ZordStudyOptions {
  readonly out: string;
  readonly functions?: readonly (keyof typeof ZORD_FUNCTIONS)[];
  readonly dimensions?: readonly number[];
  readonly methods?: readonly (typeof ZORD_METHODS)[number][];
  /** Queries each method may spend. */
  readonly budget?: number;
  /** Adam's learning rate, in the search box's units ([0, 10]^d). */
  readonly lr?: number;
  /** The surrogate's likelihood restarts and refit period. */
  readonly restarts?: number;
  readonly refitEvery?: number;
  readonly seed?: number;
}

export interface ZordCurve {
  readonly function: string;
  readonly dimension: number;
  readonly method: string;
  /** f at θ after each step, against the queries spent so far (the start first). */
  readonly points: readonly (readonly [queries: number, loss: number])[];
}

/** The estimator options of each method here: ZoRD's code's q = 10 for RGF and PRGF, MeZO-style one direction for SPSA (2 queries a step). */
const METHOD_OPTIONS: Readonly<Record<(typeof ZORD_METHODS)[number], Readonly<Record<string, number | string | boolean>>>> = {
  surrogate: { initialRadius: 1 },
  spsa: { directions: 1, epsilon: 0.01 },
  rgf: { directions: 10, epsilon: 0.01 },
  prgf: { directions: 10, epsilon: 0.01 },
};

const START_STREAM = 0x7a6f7264; // 'zord'

/**
 * ZoRD's synthetic study (Shu et al., ICLR 2023, §6.1): the surrogate against SPSA, RGF and
 * PRGF on Ackley and Levy, each with the same Adam, the same start and the same query
 * budget, the functions searched over ZoRD's box [0, 10]^d (clipped, mapped onto theirs).
 * Reports the queries each method needs to reach SPSA's final loss (the issue's target: the
 * surrogate within half of SPSA's queries on Ackley, d = 10). The loss curves are measured
 * by the experimenter (not counted as queries). Writes result.json, zord.md, zord.json, SVGs.
 */
export async function runZordStudy(options: ZordStudyOptions, log: (line: string) => void = () => {}): Promise<{ curves: ZordCurve[]; markdown: string }> {
  const { out, functions = ['ackley', 'levy'], dimensions = [10, 20], methods = ZORD_METHODS, budget = 500, lr = 0.03, restarts = 0, refitEvery = 1, seed = 0 } = options;
  const curves: ZordCurve[] = [];
  for (const name of functions) {
    for (const d of dimensions) {
      const fn = ZORD_FUNCTIONS[name](d);
      const f = searchBox(fn);
      const start = new Float32Array(d);
      fillUniform(start, deriveSeed(seed, START_STREAM, d));
      start.forEach((v, i) => (start[i] = 10 * v));
      for (const method of methods) {
        const extra = method === 'surrogate' ? { restarts, refitEvery } : {};
        const estimator = createEstimator(method, { oracle: vectorOracle(d, f), seed }, { ...METHOD_OPTIONS[method], ...extra });
        const stepper = { estimator, optimizer: adam(lr) };
        const points: [number, number][] = [[0, f(Float64Array.from(start))]];
        const batch = vectorBatch();
        for (let state = initTrainState(stepper, start.slice(), 1); state.progress.queries < budget; ) {
          state = (await trainStep(stepper, state, batch)).state;
          points.push([state.progress.queries, f(Float64Array.from(state.params))]);
        }
        await estimator.dispose();
        curves.push({ function: name, dimension: d, method, points });
        log(`${name} d = ${d} ${method}: f ${points.at(-1)![1].toPrecision(5)} (best ${Math.min(...points.map((p) => p[1])).toPrecision(5)}) after ${points.at(-1)![0]} queries`);
      }
    }
  }

  const rows: ResultTable['rows'][number][] = [];
  const verdicts: string[] = [];
  for (const name of functions) {
    for (const d of dimensions) {
      const group = curves.filter((c) => c.function === name && c.dimension === d);
      const spsa = group.find((c) => c.method === 'spsa');
      const target = spsa?.points.at(-1)![1];
      const spsaQueries = spsa?.points.at(-1)![0];
      for (const c of group) {
        const reached = target === undefined ? undefined : c.points.find(([, loss]) => loss <= target);
        rows.push([name, d, c.method, c.points.at(-1)![1], Math.min(...c.points.map((p) => p[1])), c.points.at(-1)![0], reached ? reached[0] : target === undefined ? null : 'not reached', reached && spsaQueries ? reached[0] / spsaQueries : null]);
        if (c.method === 'surrogate' && target !== undefined && spsaQueries !== undefined) {
          const share = reached ? reached[0] / spsaQueries : null;
          verdicts.push(`${name} d = ${d}: the surrogate ${reached ? `reaches SPSA's final loss ${target.toPrecision(5)} after ${reached[0]} queries, ${(100 * share!).toFixed(0)}% of SPSA's ${spsaQueries}` : `does not reach SPSA's final loss ${target.toPrecision(5)} within ${c.points.at(-1)![0]} queries (best ${Math.min(...c.points.map((p) => p[1])).toPrecision(5)})`}${name === 'ackley' && d === 10 ? ` — target (≤ 50%): ${share !== null && share <= 0.5 ? 'met' : 'missed'}` : ''}.`);
        }
      }
    }
  }
  const columns = ['function', 'd', 'method', 'final f', 'best f', 'queries', "queries to SPSA's final f", "share of SPSA's queries"];
  const charts: LineChart[] = functions.flatMap((name) =>
    dimensions.map((d) => ({
      type: 'line' as const,
      title: `${name}, d = ${d}: f against queries`,
      x: { title: 'queries' },
      y: { title: 'f(θ)' },
      series: curves.filter((c) => c.function === name && c.dimension === d).map((c) => ({ name: c.method, points: c.points })),
    })),
  );
  const conditions = { functions: functions.join(', '), dimensions: dimensions.join(', '), budget, lr, optimizer: 'adam', restarts, refitEvery, seed };
  const notes = [
    `Each method minimises f(lower + (upper − lower)·clip(u/10, 0, 1)) over u (ZoRD's search box [0, 10]^d), from the same seeded start u₀ ~ U[0, 10]^d, with Adam (lr ${lr}) until it has spent ${budget} queries. Options: ${Object.entries(METHOD_OPTIONS).map(([m, o]) => `${m} ${JSON.stringify(o)}`).join('; ')}; the surrogate refits with ${restarts} restarts every ${refitEvery} query steps and otherwise runs ZoRD's defaults (150 nearest queries, Matérn 5/2, threshold 0.35, at most 10 steps per query).`,
    ...verdicts,
  ];
  const markdown = [`# ZoRD: surrogate gradients against SPSA, RGF and PRGF`, '', ...notes.flatMap((n) => [n, '']), markdownTable(columns, rows), '', `Charts: ${charts.map((c, k) => `zord-${k + 1}.svg (${c.title})`).join(', ')}.`, ''].join('\n');
  await writeStudy(out, 'zord', { kind: 'federated-zord', title: 'ZoRD: queries to a target on Ackley and Levy', conditions, tables: [{ title: 'Loss reached and queries to SPSA\'s final loss', columns, rows }], charts, notes }, markdown, { options: conditions, curves });
  return { curves, markdown };
}

/** f over ZoRD's search box: u ∈ [0, 10]^d, clipped, mapped affinely onto the function's own box. */
function searchBox(fn: TestFunction): (u: Float64Array) => number {
  return (u) => fn.value(u.map((v) => fn.lower + ((fn.upper - fn.lower) * Math.min(10, Math.max(0, v))) / 10));
}
