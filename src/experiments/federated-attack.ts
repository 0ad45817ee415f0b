import { batches } from '../data/batches.js';
import { withClasses } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { FEDERATED_ALGORITHM_NAMES } from '../federated/algorithms.js';
import { modelFromSpec } from '../nn/factories.js';
import { BlackBoxLossOracle } from '../objectives/black-box.js';
import { vectorDataset } from '../objectives/vector-objective.js';
import type { LineChart } from '../report/result.js';
import { type FrozenLogits, frozenLogits } from './frozen-logits.js';
import type { FederatedProblem } from './federated-problems.js';
import { type AlgorithmRun, type FederatedStudyOptions, localOptions, markdownTable, runAlgorithm, writeStudy } from './federated-study.js';
import { pretrain } from './pretrain.js';

export interface AttackStudyOptions extends FederatedStudyOptions {
  /** N classifiers, one per client, each trained by backprop on its own classes. */
  readonly models?: number;
  readonly model?: string;
  readonly classesPerModel?: number;
  readonly pretrainSteps?: number;
  /** Test images attacked, each a federated problem of its own. */
  readonly images?: number;
  /** The perturbation's bound: δ ∈ [−bound, bound]^784. */
  readonly bound?: number;
}

/**
 * FZooS's federated black-box attack (§6.2; App. 12): N MNIST classifiers, trained here on
 * overlapping class subsets (model i on classes i, i + 1, …, mod 10), are the clients; one
 * perturbation δ of a test image all of them classify correctly is sought, client i's loss
 * the margin of model i (true-class logit minus the best other), δ = bound·(2·clip(u, 0, 1) − 1)
 * in the code's [0, 1] coordinates, from δ = 0. The attack succeeds when the models' averaged
 * output misclassifies the image. Reports the success rate over the images against rounds
 * and queries. Writes result.json, attack.md, attack.json and SVGs.
 */
export async function runAttackStudy(options: AttackStudyOptions, log: (line: string) => void = () => {}): Promise<{ runs: { image: number; runs: AlgorithmRun[] }[]; markdown: string }> {
  const {
    out,
    models: n = 3,
    model: spec = 'mlp:784-64-10',
    classesPerModel = 7,
    pretrainSteps = 300,
    images: imageCount = 3,
    bound = 0.3,
    localSteps = 5,
    rounds = 10,
    algorithms = FEDERATED_ALGORITHM_NAMES,
    features = 1000,
    restarts = 0,
    refitEvery = 5,
    neighbours = 150,
    seed = 0,
  } = options;
  const { train, test } = await loadMnist();
  const d = test.inputShape.reduce((a, b) => a * b, 1);
  const frozen: FrozenLogits[] = [];
  const subsets: number[][] = [];
  for (let i = 0; i < n; i++) {
    const classes = Array.from({ length: classesPerModel }, (_, j) => (i + j) % test.classes);
    const model = modelFromSpec(spec, train.inputShape, train.classes);
    const theta = await pretrain(model, model.init(seed + i), withClasses(train, classes), pretrainSteps, 64, seed + i);
    frozen.push(await frozenLogits(model, theta));
    subsets.push(classes);
  }
  try {
    const chosen = await attackable(test, frozen, subsets, imageCount);
    log(`${n} classifiers (${spec}, ${pretrainSteps} backprop steps on ${classesPerModel} classes each); attacking test images ${chosen.map((c) => c.index).join(', ')}`);
    const lo = test.x.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = test.x.reduce((a, b) => Math.max(a, b), -Infinity);
    const results: { image: number; runs: AlgorithmRun[] }[] = [];
    for (const { index, pixels, label } of chosen) {
      const perturbed = (params: Float32Array, q: number, into: Float32Array) => {
        for (let j = 0; j < d; j++) into[q * d + j] = Math.min(hi, Math.max(lo, pixels[j]! + bound * (2 * Math.min(1, Math.max(0, params[q * d + j]!)) - 1)));
      };
      const images = (params: Float32Array, count: number) => {
        const x = new Float32Array(count * d);
        for (let q = 0; q < count; q++) perturbed(params, q, x);
        return x;
      };
      const margin = (logits: Float32Array, q: number, classes: number) => {
        let other = -Infinity;
        for (let c = 0; c < classes; c++) if (c !== label) other = Math.max(other, logits[q * classes + c]!);
        return logits[q * classes + label]! - other;
      };
      const problem = (): FederatedProblem => ({
        clients: frozen.map((m) => ({
          oracle: new BlackBoxLossOracle(d, async ({ params, examples }) => {
            const logits = await m.logits(images(params, examples.length), examples.length);
            return Float32Array.from(examples, (_, q) => margin(logits, q, m.outputs));
          }),
          data: vectorDataset(),
          batchSize: 1,
        })),
        // The attack's measure: the margin of the averaged output (< 0: success).
        global: async (params) => {
          const x = images(params, 1);
          const all = await Promise.all(frozen.map((m) => m.logits(x, 1)));
          const mean = Float32Array.from(all[0]!, (_, c) => all.reduce((s, l) => s + l[c]!, 0) / all.length);
          return margin(mean, 0, mean.length);
        },
        start: new Float32Array(d).fill(0.5),
        dispose: async () => {},
      });
      const runs: AlgorithmRun[] = [];
      for (const algorithm of algorithms) {
        const run = await runAlgorithm(algorithm, { rounds, localSteps, seed, features, estimator: localOptions(algorithm, { restarts, refitEvery, neighbours }) }, problem);
        const success = run.records.find((r) => r.globalLoss !== null && r.globalLoss < 0);
        log(`image ${index} ${algorithm}: margin ${run.records.at(-1)!.globalLoss?.toPrecision(4)} after ${run.records.at(-1)!.queries} queries; ${success ? `success in round ${success.round} (${success.queries} queries)` : 'no success'}`);
        runs.push(run);
      }
      results.push({ image: index, runs });
    }

    const firstSuccess = (run: AlgorithmRun) => run.records.find((r) => r.globalLoss !== null && r.globalLoss < 0);
    const rows = algorithms.map((algorithm) => {
      const own = results.map((r) => r.runs.find((x) => x.algorithm === algorithm)!);
      const successes = own.map(firstSuccess).filter((s) => s !== undefined);
      return [algorithm, successes.length / own.length, successes.length > 0 ? successes.reduce((s, r) => s + r.queries, 0) / successes.length : null, own.reduce((s, r) => s + r.records.at(-1)!.queries, 0) / own.length, own.reduce((s, r) => s + r.records.at(-1)!.globalLoss!, 0) / own.length];
    });
    const columns = ['algorithm', 'success rate', 'mean queries to success', `queries in ${rounds} rounds`, 'mean final margin'];
    // Success rate after each round (an image counts once its point has succeeded), against the mean queries spent by then.
    const chart = (x: 'round' | 'queries'): LineChart => ({
      type: 'line',
      title: `Success rate over ${results.length} images against ${x === 'round' ? 'rounds' : 'queries'}`,
      x: { title: x === 'round' ? 'round' : 'queries (mean over images)' },
      y: { title: 'success rate' },
      series: algorithms.map((algorithm) => {
        const own = results.map((r) => r.runs.find((x) => x.algorithm === algorithm)!);
        return {
          name: algorithm,
          points: Array.from({ length: rounds + 1 }, (_, round) => {
            const at = own.map((run) => run.records.find((r) => r.round === round)!);
            const rate = own.filter((run) => (firstSuccess(run)?.round ?? Infinity) <= round).length / own.length;
            return [x === 'round' ? round : at.reduce((s, r) => s + r.queries, 0) / at.length, rate] as const;
          }),
        };
      }),
    });
    const charts = [chart('round'), chart('queries')];
    const conditions = { models: n, model: spec, classesPerModel, pretrainSteps, images: results.length, bound, localSteps, rounds, features, restarts, refitEvery, neighbours, seed };
    const notes = [
      `Clients are ${n} ${spec} classifiers trained by backprop (${pretrainSteps} Adam steps) on the embedded MNIST, model i on classes {i, …, i + ${classesPerModel - 1}} mod 10. Attacked: test images ${results.map((r) => r.image).join(', ')}, each classified correctly by every model. Client i minimises the margin of model i; success is the averaged output misclassifying the image, checked after each round (not counted as queries).`,
    ];
    const markdown = [`# Federated black-box attack on MNIST classifiers`, '', ...notes, '', markdownTable(columns, rows), '', `Charts: attack-1.svg (success rate against rounds), attack-2.svg (against queries).`, ''].join('\n');
    await writeStudy(out, 'attack', { kind: 'federated-attack', title: 'Federated black-box attack on MNIST classifiers', conditions, tables: [{ title: 'Attack success', columns, rows }], charts, notes }, markdown, { options: conditions, results });
    return { runs: results, markdown };
  } finally {
    await Promise.all(frozen.map((m) => m.dispose()));
  }
}

/** The first `count` test images whose label every model was trained on and every model classifies correctly. */
async function attackable(test: Awaited<ReturnType<typeof loadMnist>>['test'], models: readonly FrozenLogits[], subsets: readonly number[][], count: number) {
  const d = test.inputShape.reduce((a, b) => a * b, 1);
  const chosen: { index: number; pixels: Float32Array; label: number }[] = [];
  let index = 0;
  for (const batch of batches(test, { batchSize: 256, shuffle: false })) {
    const n = batch.y.shape[0]!;
    const logits = await Promise.all(models.map((m) => m.logits(batch.x.data, n)));
    for (let r = 0; r < n && chosen.length < count; r++, index++) {
      const label = Number(batch.y.data[r]);
      const right = logits.every((l, k) => subsets[k]!.includes(label) && argmax(l.subarray(r * models[k]!.outputs, (r + 1) * models[k]!.outputs)) === label);
      if (right) chosen.push({ index, pixels: batch.x.data.slice(r * d, (r + 1) * d), label });
    }
    if (chosen.length === count) return chosen;
  }
  throw new RangeError(`only ${chosen.length} test images are classified correctly by every model; asked for ${count}`);
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
