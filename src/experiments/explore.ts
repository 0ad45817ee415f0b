import { join } from 'node:path';
import { CartPolePolicy, cartPoleEpisodes, cartPoleObjective, cartPoleStarts } from '../control/cart-pole.js';
import { batches } from '../data/batches.js';
import { resolveOptions } from '../estimators/options.js';
import { createEstimator, descriptor } from '../estimators/registry.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { BlackBoxLossOracle } from '../objectives/black-box.js';
import { adam } from '../optim/aliases.js';
import { chartSpec } from '../report/chart-spec.js';
import { type ExperimentResult, type LineChart, writeExperimentResult } from '../report/result.js';
import { chartSvg } from '../report/static-chart.js';
import { deriveSeed } from '../rng/stream.js';
import type { StateJson } from '../state/state.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../train/config.js';
import { EXPLORE_HOOK, exploreHook, parseExploreSpec } from '../train/hooks/explore.js';
import { type Stepper, type TrainState, initTrainState, trainStep } from '../train/step.js';
import { CHECKPOINT_FILE, train } from '../train/trainer.js';
import { wholeBatch } from '../train/run-hooks.js';

export const EXPLORE_JSON = 'explore.json';
export const EXPLORE_MD = 'explore.md';

export interface ExploreExperimentOptions {
  readonly out: string;
  readonly dataset?: string;
  readonly model?: string;
  /** Estimators trained with and without exploration. */
  readonly methods?: readonly TrainConfig['method'][];
  /** Each method's query budget (forward evaluations × examples), in `methods` order: the same with and without exploration. */
  readonly budgets?: readonly number[];
  /** Each method's --explore spec, in `methods` order. */
  readonly explore?: readonly string[];
  /** Held-out training examples (the same for every run, exploring or not). */
  readonly holdout?: number;
  readonly batchSize?: number;
  /** Test evaluations per run, for the accuracy-versus-queries curves. */
  readonly curvePoints?: number;
  readonly seed?: number;
  /** Cart-pole: seeds, the query budget (episodes) of each run and its --explore spec; 0 seeds skips it. */
  readonly cartPole?: { readonly seeds?: number; readonly budget?: number; readonly explore?: string; readonly heldOut?: number };
}

export interface ExploreRun {
  readonly task: string;
  readonly method: string;
  readonly explore: string;
  readonly seed: number;
  /** Test accuracy (Fashion-MNIST) or mean return over the test episodes (cart-pole) at the end. */
  readonly final: number;
  readonly queries: number;
  readonly steps: number;
  readonly explorations: number;
  readonly accepted: number;
  readonly curve: readonly (readonly [number, number])[];
}

/**
 * ExploRLer's look-around (Zhang, Deb, Mueller 2025) for forward-only training, at equal
 * forward passes: (1) spsa and fg-w on Fashion-MNIST with and without exploration, the
 * same query budget and the same held-out examples for each pair (exploring runs spend
 * part of their budget scoring candidates); (2) cart-pole, ExploRLer's own kind of task
 * (policy search), trained by spsa on episode returns alone, with and without
 * exploration, over several seeds. Writes explore.json, explore.md, result.json and two SVGs.
 */
export async function runExploreExperiment(options: ExploreExperimentOptions, log: (line: string) => void = () => {}): Promise<{ runs: ExploreRun[]; markdown: string }> {
  const {
    out,
    dataset = 'fashion-mnist',
    model = 'mlp:784-300-100-10',
    methods = ['spsa', 'fg-w'],
    budgets = [1_920_000, 180_000],
    explore = ['every=20,anchors=5', 'every=500,anchors=5'],
    holdout = 256,
    batchSize = 64,
    curvePoints = 12,
    seed = 0,
  } = options;
  for (const [name, list] of [['budgets', budgets], ['explore', explore]] as const) if (list.length !== methods.length) throw new RangeError(`${name} needs one value per method (${methods.length}), got ${list.length}`);
  const runs: ExploreRun[] = [];
  for (const [m, method] of methods.entries()) {
    for (const spec of ['none', explore[m]!]) {
      const dir = join(out, `${method}-${spec === 'none' ? 'plain' : 'explore'}`);
      const curve: [number, number][] = [];
      // A constant learning rate: the budget pauses the run, and no schedule depends on where.
      const config: TrainConfig = {
        ...DEFAULT_CONFIG, dataset, model, method, lr: descriptor(method).defaultLearningRate, schedule: 'constant', epochs: 1000, batchSize, seed, holdout, queries: budgets[m]!,
        ...(spec !== 'none' && { explore: spec }),
      };
      const steps = Math.ceil(budgets[m]! / descriptor(method).cost(resolveOptions(method, descriptor(method).options, {}), batchSize, 0));
      const summary = await train(config, { out: dir, evalEvery: Math.max(1, Math.floor(steps / curvePoints)), onEval: (p) => curve.push([p.queries, p.test_acc]) });
      const hook = spec === 'none' ? undefined : (await loadCheckpoint(join(dir, CHECKPOINT_FILE))).extras?.[`hook:${EXPLORE_HOOK}`]?.json as Record<string, StateJson> | undefined;
      runs.push({ task: dataset, method, explore: spec, seed, final: summary.test_acc, queries: summary.queries, steps: summary.steps, explorations: Number(hook?.explorations ?? 0), accepted: Number(hook?.accepted ?? 0), curve });
      log(`${dataset} ${method} explore ${spec}: test accuracy ${(100 * summary.test_acc).toFixed(2)}% after ${summary.queries} queries (${summary.steps} steps${hook ? `, ${hook.accepted}/${hook.explorations} look-arounds accepted` : ''})`);
    }
  }
  const cart = options.cartPole ?? {};
  if ((cart.seeds ?? 10) > 0) runs.push(...(await cartPoleRuns({ seeds: cart.seeds ?? 10, budget: cart.budget ?? 3000, explore: cart.explore ?? 'every=10,anchors=5', heldOut: cart.heldOut ?? 8 }, log)));

  const settings = { dataset, model, methods: methods.join(','), budgets: budgets.join(','), explore: explore.join(' | '), holdout, batchSize, seed, cartPole: JSON.stringify(cart) };
  const charts: LineChart[] = [
    { type: 'line', title: `${dataset}: test accuracy against queries, with and without exploration`, x: { title: 'queries (forward evaluations × examples)' }, y: { title: 'test accuracy' }, series: runs.filter((r) => r.task === dataset).map((r) => ({ name: r.method, variant: r.explore === 'none' ? 'plain' : 'explore', points: r.curve })) },
  ];
  const cartRuns = runs.filter((r) => r.task === 'cart-pole');
  if (cartRuns.length > 0) {
    const mean = (explore: boolean) => averageCurve(cartRuns.filter((r) => (r.explore !== 'none') === explore).map((r) => r.curve));
    charts.push({ type: 'line', title: 'cart-pole: mean test return against episodes played (mean over seeds)', x: { title: 'queries (episodes)' }, y: { title: 'mean return (500 = balanced)' }, series: [{ name: 'spsa', variant: 'plain', points: mean(false) }, { name: 'spsa', variant: 'explore', points: mean(true) }] });
  }
  for (const [i, chart] of charts.entries()) await writeFileAtomic(join(out, `explore-${i === 0 ? 'fashion' : 'cart-pole'}.svg`), await chartSvg(chartSpec(chart).spec));
  const markdown = report(settings, runs);
  await writeExperimentResult(out, experimentResult(settings, runs, charts));
  await writeFileAtomic(join(out, EXPLORE_JSON), `${JSON.stringify({ settings, runs }, null, 2)}\n`);
  await writeFileAtomic(join(out, EXPLORE_MD), markdown);
  return { runs, markdown };
}

/**
 * Cart-pole policy search by spsa (K = 8 directions, ε = 0.2, Adam 0.1) on the returns
 * of 8 episodes per step, a tanh MLP 4-8-1 policy; test return = mean over 100 fixed
 * start states (not counted as queries). Exploration scores candidates on `heldOut`
 * other fixed starts.
 */
async function cartPoleRuns(o: { seeds: number; budget: number; explore: string; heldOut: number }, log: (line: string) => void): Promise<ExploreRun[]> {
  const policy = new CartPolePolicy(8);
  const oracle = new BlackBoxLossOracle(policy.parameters, cartPoleObjective(policy));
  const test = cartPoleStarts(100, 7_000);
  const testReturn = (params: Float32Array) => Array.from({ length: 100 }, (_, e) => policy.episode(params, 0, test.subarray(4 * e, 4 * e + 4))).reduce((a, b) => a + b) / 100;
  const spec = parseExploreSpec(o.explore);
  const runs: ExploreRun[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    for (const exploring of [false, true]) {
      const episodes = cartPoleEpisodes(4096, deriveSeed(seed, 1));
      const heldOut = wholeBatch(cartPoleEpisodes(o.heldOut, deriveSeed(seed, 2), 'cart-pole held out'));
      const stepper: Stepper = {
        estimator: createEstimator('spsa', { oracle, seed: deriveSeed(seed, 3) }, { directions: 8, epsilon: 0.2 }),
        optimizer: adam(0.1),
        ...(exploring && { hooks: [exploreHook({ oracle, batch: heldOut, every: spec.every, anchors: spec.anchors, search: spec.search })] }),
      };
      let state: TrainState = initTrainState(stepper, policy.init(deriveSeed(seed, 4)), episodes.size);
      const curve: [number, number][] = [[0, testReturn(state.params)]];
      const every = Math.max(1, Math.floor(o.budget / 8 / 16 / 12));
      for (let epoch = 0; state.progress.queries < o.budget; epoch++) {
        for (const batch of batches(episodes, { batchSize: 8, seed, epoch })) {
          if (state.progress.queries >= o.budget) break;
          state = (await trainStep(stepper, state, batch)).state;
          if (state.progress.step % every === 0) curve.push([state.progress.queries, testReturn(state.params)]);
        }
      }
      const final = testReturn(state.params);
      curve.push([state.progress.queries, final]);
      const hook = state.hooks[EXPLORE_HOOK] as { explorations: number; accepted: number } | undefined;
      runs.push({ task: 'cart-pole', method: 'spsa', explore: exploring ? o.explore : 'none', seed, final, queries: state.progress.queries, steps: state.progress.step, explorations: hook?.explorations ?? 0, accepted: hook?.accepted ?? 0, curve });
      log(`cart-pole seed ${seed} spsa explore ${exploring ? o.explore : 'none'}: mean test return ${final.toFixed(1)} after ${state.progress.queries} episodes (${state.progress.step} steps${hook ? `, ${hook.accepted}/${hook.explorations} look-arounds accepted` : ''})`);
    }
  }
  return runs;
}

/** The mean of curves sampled at (nearly) the same queries, point by point (as many points as the shortest). */
function averageCurve(curves: readonly (readonly (readonly [number, number])[])[]): [number, number][] {
  const n = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => [curves.reduce((s, c) => s + c[i]![0], 0) / curves.length, curves.reduce((s, c) => s + c[i]![1], 0) / curves.length]);
}

type Settings = Readonly<Record<string, string | number>>;

function report(o: Settings, runs: readonly ExploreRun[]): string {
  const fm = runs.filter((r) => r.task !== 'cart-pole');
  const cart = runs.filter((r) => r.task === 'cart-pole');
  const lines = [
    `# Exploration around updates (ExploRLer): ${o.dataset}, ${o.model}, and cart-pole`,
    '',
    `Each pair of runs has the same query budget (${o.budgets} for ${o.methods}), the same ${o.holdout} held-out training examples and a constant learning rate (each method's default, Adam, batch ${o.batchSize}); the exploring run spends part of its budget scoring candidates (${o.explore}).`,
    '',
    '| task | method | exploration | final | queries | steps | look-arounds accepted |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...fm.map((r) => `| ${r.task} | ${r.method} | ${r.explore} | ${(100 * r.final).toFixed(2)}% | ${r.queries} | ${r.steps} | ${r.explore === 'none' ? '–' : `${r.accepted}/${r.explorations}`} |`),
  ];
  if (cart.length > 0) {
    const stats = (explore: boolean) => {
      const v = cart.filter((r) => (r.explore !== 'none') === explore).map((r) => r.final);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return `${mean.toFixed(1)} ± ${Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, v.length - 1)).toFixed(1)}`;
    };
    const accepted = cart.filter((r) => r.explore !== 'none');
    lines.push(
      '',
      `Cart-pole, spsa on episode returns (mean test return over 100 fixed starts, mean ± sd over ${cart.length / 2} seeds, equal episodes): plain ${stats(false)}, exploring ${stats(true)} (${accepted.reduce((s, r) => s + r.accepted, 0)}/${accepted.reduce((s, r) => s + r.explorations, 0)} look-arounds accepted).`,
      '',
      '| seed | plain | exploring |',
      '| --- | --- | --- |',
      ...[...new Set(cart.map((r) => r.seed))].map((s) => `| ${s} | ${cart.find((r) => r.seed === s && r.explore === 'none')!.final.toFixed(1)} | ${cart.find((r) => r.seed === s && r.explore !== 'none')!.final.toFixed(1)} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function experimentResult(o: Settings, runs: readonly ExploreRun[], charts: readonly LineChart[]): ExperimentResult {
  return {
    kind: 'explore',
    title: `Exploration around updates: ${o.dataset} and cart-pole`,
    conditions: { ...o },
    tables: [{ title: 'Final test accuracy (Fashion-MNIST) or mean test return (cart-pole) at equal queries', columns: ['task', 'method', 'exploration', 'seed', 'final', 'queries', 'steps', 'explorations', 'accepted'], rows: runs.map((r) => [r.task, r.method, r.explore, r.seed, r.final, r.queries, r.steps, r.explorations, r.accepted]) }],
    charts,
  };
}
