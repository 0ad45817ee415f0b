import { type AnyDataset, subset } from '../data/dataset.js';
import { permutation } from '../data/permutation.js';
import type { ClientSpec } from '../federated/client.js';
import type { Model } from '../nn/model.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import type { Objective } from '../objectives/objective.js';
import { vectorDataset, vectorOracle } from '../objectives/vector-objective.js';
import { fillUniform } from '../rng/noise.js';
import { deriveSeed } from '../rng/stream.js';
import { federatedQuadratic } from '../surrogate/test-functions.js';

/** A federated problem: its clients, the global objective F at a point (for reports), and the start x₀. */
export interface FederatedProblem {
  readonly clients: readonly ClientSpec[];
  readonly global: (params: Float32Array) => number | Promise<number>;
  readonly start: Float32Array;
  /** Releases what the clients hold (compiled programs). */
  dispose(): Promise<void>;
}

/** Streams under a problem's seed. */
const START_STREAM = 0x73747274; // 'strt'
const SHARD_STREAM = 0x73686172; // 'shar'

/**
 * FZooS's heterogeneous quadratic (App. 12.1, federatedQuadratic) as its code poses it: the
 * variables u are clipped to [0, 1]^d and mapped onto [−10, 10]^d (so a client's loss is flat
 * outside the box and a concave client cannot run away), x₀ ~ U[0, 1]^d from the seed; all the
 * code's step sizes (Adam 0.01, μ = 0.01, active radius 0.01, RFF lengthscale 1) are in these units.
 */
export function quadraticProblem(options: { readonly dimension: number; readonly clients: number; readonly heterogeneity: number; readonly seed: number }): FederatedProblem {
  const { dimension: d, clients, heterogeneity, seed } = options;
  const problem = federatedQuadratic({ dimension: d, clients, heterogeneity, seed });
  const box = (u: ArrayLike<number>) => Float64Array.from({ length: d }, (_, i) => -10 + 20 * Math.min(1, Math.max(0, u[i]!)));
  const start = new Float32Array(d);
  fillUniform(start, deriveSeed(seed, START_STREAM));
  return {
    clients: problem.clients.map((f) => ({ oracle: vectorOracle(d, (u) => f.value(box(u))), data: vectorDataset(), batchSize: 1 })),
    global: (u) => problem.global.value(box(u)),
    start,
    dispose: async () => {},
  };
}

/**
 * A model trained by N clients on disjoint shards of a data set (a seeded random split, as
 * equal as the size allows), each client's loss the objective's mean over its batches
 * through the model's program (ModelLossOracle; one program serves every client here).
 * Throws RangeError when there are fewer examples than clients.
 */
export function shardedProblem(options: { readonly model: Model; readonly objective: Objective; readonly train: AnyDataset; readonly clients: number; readonly batchSize: number; readonly seed: number; readonly start: Float32Array; readonly global: (params: Float32Array) => Promise<number> }): FederatedProblem {
  const { model, objective, train, clients, batchSize, seed } = options;
  if (train.size < clients) throw new RangeError(`${clients} clients need at least as many examples; '${train.name}' has ${train.size}`);
  const order = permutation(train.size, deriveSeed(seed, SHARD_STREAM));
  const oracle = new ModelLossOracle(model, objective);
  const specs = Array.from({ length: clients }, (_, i) => {
    const rows = order.filter((_, k) => k % clients === i);
    return { oracle, data: subset(train, rows, `${train.name}/client-${i}`), batchSize: Math.min(batchSize, rows.length) };
  });
  return { clients: specs, global: options.global, start: options.start, dispose: () => oracle.dispose() };
}
