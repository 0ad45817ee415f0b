import { type Dataset, subset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { permutation } from '../data/permutation.js';
import { FEDERATED_ALGORITHM_NAMES } from '../federated/algorithms.js';
import { mlp } from '../nn/factories.js';
import { vectorDataset, vectorOracle } from '../objectives/vector-objective.js';
import { deriveSeed } from '../rng/stream.js';
import { frozenLogits } from './frozen-logits.js';
import type { FederatedProblem } from './federated-problems.js';
import { type AlgorithmRun, type FederatedStudyOptions, curves, localOptions, markdownTable, runAlgorithm, writeStudy } from './federated-study.js';
import { pretrain } from './pretrain.js';

export const METRICS = ['f1', 'precision', 'recall', 'jaccard'] as const;
export type Metric = (typeof METRICS)[number];

export interface MetricStudyOptions extends FederatedStudyOptions {
  /** A classification data set spec (csv:<file>?label=<col> for a CSV task). */
  readonly dataset?: string;
  /** An MLP 'in-hidden…-classes'; its last layer is what the clients tune. */
  readonly hidden?: readonly number[];
  readonly pretrainSteps?: number;
  readonly clients?: number;
  readonly examplesPerClient?: number;
  readonly metric?: Metric;
  /** The last layer moves within ±bound of its trained values. */
  readonly bound?: number;
}

const SHARD_STREAM = 0x6d657472; // 'metr'

/**
 * FZooS's metric optimisation (§6.3): a small MLP is trained by backprop (cross-entropy), then
 * its last layer W, b — within ±bound of the trained values, in the code's [0, 1] coordinates —
 * is tuned to minimise 1 − a macro-averaged metric of its predictions (F1, precision, recall
 * or Jaccard: not differentiable), each client on its own shard of the training data. The
 * hidden features are computed once (the layers below are frozen), so a query is one
 * matrix product over the client's shard. Reports 1 − metric on the test split against
 * rounds and queries. Writes result.json, metric.md, metric.json and SVGs.
 */
export async function runMetricStudy(options: MetricStudyOptions, log: (line: string) => void = () => {}): Promise<{ runs: AlgorithmRun[]; markdown: string }> {
  const {
    out,
    dataset = 'mnist',
    hidden = [32],
    pretrainSteps = 100,
    clients = 5,
    examplesPerClient = 400,
    metric = 'f1',
    bound = 0.2,
    localSteps = 10,
    rounds = 15,
    algorithms = FEDERATED_ALGORITHM_NAMES,
    features = 1000,
    restarts = 0,
    refitEvery = 5,
    neighbours = 150,
    seed = 0,
  } = options;
  if (!METRICS.includes(metric)) throw new RangeError(`metric must be one of ${METRICS.join(', ')}; got '${metric}'`);
  const { train, test } = await loadDataset(dataset);
  const inputs = train.inputShape.reduce((a, b) => a * b, 1);
  const dims = [inputs, ...hidden, train.classes];
  const model = mlp(dims);
  const theta = await pretrain(model, model.init(seed), train, pretrainSteps, 64, seed);
  // The frozen body: the same MLP without its last layer; its parameters are θ's leading entries.
  const body = mlp(dims.slice(0, -1));
  const last = model.layout.entries.slice(-2);
  body.layout.entries.forEach((e, i) => {
    const full = model.layout.entries[i]!;
    if (e.offset !== full.offset || e.shape.join() !== full.shape.join()) throw new Error(`the body of ${dims.join('-')} does not lay its parameters out as the full MLP does (${e.name} vs ${full.name})`);
  });
  const width = dims.at(-2)!;
  const classes = train.classes;
  const w0 = theta.subarray(last[0]!.offset);
  const p = w0.length;
  const bodyLogits = await frozenLogits(body, theta.subarray(0, body.layout.size));
  const featuresOf = async (data: Dataset) => {
    const h = await bodyLogits.logits(data.x, data.size);
    return h.map((v) => Math.max(0, v));
  };
  const order = permutation(train.size, deriveSeed(seed, SHARD_STREAM));
  if (clients * examplesPerClient > train.size) throw new RangeError(`${clients} clients × ${examplesPerClient} examples need ${clients * examplesPerClient}; '${train.name}' has ${train.size}`);
  const shards = Array.from({ length: clients }, (_, i) => subset(train, order.subarray(i * examplesPerClient, (i + 1) * examplesPerClient), `${train.name}/client-${i}`));
  const shardFeatures = await Promise.all(shards.map(featuresOf));
  const testFeatures = await featuresOf(test);
  await bodyLogits.dispose();
  // The last layer at u ∈ [0, 1]^p (clipped): W, b = trained + bound·(2u − 1).
  const layer = (u: ArrayLike<number>) => Float64Array.from(w0, (v, k) => v + bound * (2 * Math.min(1, Math.max(0, u[k]!)) - 1));
  const loss = (h: Float32Array, labels: Int32Array) => (u: ArrayLike<number>) => 1 - score(predict(h, layer(u), width, classes), labels, classes, metric);
  const problem = (): FederatedProblem => ({
    clients: shards.map((shard, i) => ({ oracle: vectorOracle(p, loss(shardFeatures[i]!, shard.y)), data: vectorDataset(), batchSize: 1 })),
    global: loss(testFeatures, test.y),
    start: new Float32Array(p).fill(0.5),
    dispose: async () => {},
  });
  const start = problem().global(new Float32Array(p).fill(0.5)) as number;
  log(`${dims.join('-')} after ${pretrainSteps} backprop steps: test ${metric} ${(1 - start).toFixed(4)}; tuning its last layer (${p} parameters) on ${clients} shards of ${examplesPerClient}`);
  const runs: AlgorithmRun[] = [];
  for (const algorithm of algorithms) {
    const run = await runAlgorithm(algorithm, { rounds, localSteps, seed, features, estimator: localOptions(algorithm, { restarts, refitEvery, neighbours }) }, problem);
    log(`${algorithm}: test 1 − ${metric} ${run.records.at(-1)!.globalLoss?.toFixed(4)} after ${run.records.at(-1)!.queries} queries`);
    runs.push(run);
  }
  const columns = ['algorithm', `final test 1 − ${metric}`, `best test 1 − ${metric}`, 'queries', 'bytes'];
  const rows = runs.map((run) => [run.algorithm, run.records.at(-1)!.globalLoss, Math.min(...run.records.map((r) => r.globalLoss ?? Infinity)), run.records.at(-1)!.queries, run.records.at(-1)!.bytes]);
  const value = (r: { globalLoss: number | null }) => r.globalLoss;
  const charts = [
    curves(`test 1 − ${metric} against rounds`, runs, 'round', { title: `1 − ${metric}`, value }),
    curves(`test 1 − ${metric} against queries`, runs, 'queries', { title: `1 − ${metric}`, value }),
  ];
  const conditions = { dataset, model: `mlp:${dims.join('-')}`, pretrainSteps, clients, examplesPerClient, metric, bound, parameters: p, localSteps, rounds, features, restarts, refitEvery, neighbours, seed };
  const notes = [
    `The MLP ${dims.join('-')} is trained by backprop for ${pretrainSteps} steps; its last layer (${p} parameters) then moves within ±${bound} of those values to minimise 1 − macro ${metric} of its predictions on each client's ${examplesPerClient} training examples. Before tuning: test 1 − ${metric} = ${start.toFixed(4)}. Test scores are the experimenter's measurement, not queries.`,
  ];
  const markdown = [`# Federated metric optimisation: 1 − macro ${metric}`, '', ...notes, '', markdownTable(columns, rows), '', 'Charts: metric-1.svg (against rounds), metric-2.svg (against queries).', ''].join('\n');
  await writeStudy(out, 'metric', { kind: 'federated-metric', title: `Federated metric optimisation: 1 − macro ${metric}`, conditions, tables: [{ title: `Test 1 − ${metric}`, columns, rows }], charts, notes }, markdown, { options: conditions, start, runs });
  return { runs, markdown };
}

/** argmax over classes of h·W + b for each example (h: [n, width], w: W [width, classes] then b [classes]). */
function predict(h: Float32Array, w: Float64Array, width: number, classes: number): Int32Array {
  const n = h.length / width;
  const out = new Int32Array(n);
  const logits = new Float64Array(classes);
  for (let e = 0; e < n; e++) {
    for (let c = 0; c < classes; c++) logits[c] = w[width * classes + c]!;
    for (let k = 0; k < width; k++) {
      const v = h[e * width + k]!;
      if (v === 0) continue;
      for (let c = 0; c < classes; c++) logits[c] += v * w[k * classes + c]!;
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[c]! > logits[best]!) best = c;
    out[e] = best;
  }
  return out;
}

/**
 * A macro-averaged classification metric over the classes that occur among the labels or the
 * predictions (scikit-learn's convention): per class, precision tp/(tp + fp), recall
 * tp/(tp + fn), F1 2tp/(2tp + fp + fn), Jaccard tp/(tp + fp + fn), 0 where undefined.
 */
export function score(predicted: Int32Array, labels: Int32Array, classes: number, metric: Metric): number {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  predicted.forEach((p, e) => {
    const y = labels[e]!;
    if (p === y) tp[p]!++;
    else {
      fp[p]!++;
      fn[y]!++;
    }
  });
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    if (tp[c]! + fp[c]! + fn[c]! === 0) continue;
    present++;
    const ratio = (num: number, den: number) => (den > 0 ? num / den : 0);
    sum += metric === 'precision' ? ratio(tp[c]!, tp[c]! + fp[c]!) : metric === 'recall' ? ratio(tp[c]!, tp[c]! + fn[c]!) : metric === 'f1' ? ratio(2 * tp[c]!, 2 * tp[c]! + fp[c]! + fn[c]!) : ratio(tp[c]!, tp[c]! + fp[c]! + fn[c]!);
  }
  return present > 0 ? sum / present : 0;
}
