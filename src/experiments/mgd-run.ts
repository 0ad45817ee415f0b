import { type Batch, batches } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import type { Estimate } from '../estimators/estimator.js';
import type { OptionValue } from '../estimators/options.js';
import { createEstimator } from '../estimators/registry.js';
import { angleDegrees } from '../estimators/stats.js';
import type { Model } from '../nn/model.js';
import type { Objective } from '../objectives/objective.js';
import { sgd } from '../optim/aliases.js';
import { updateNoise } from '../optim/wrappers.js';
import { timeToTarget } from '../report/curves.js';
import { Evaluator } from '../train/evaluate.js';
import { runSeeds, runStream } from '../train/seeds.js';
import { type StepHook, type Stepper, initTrainState, trainStep } from '../train/step.js';

export interface MgdRunConfig {
  readonly model: Model;
  readonly objective: Objective;
  readonly train: AnyDataset;
  /** Where accuracy is measured (the training set itself for parity). */
  readonly evaluation: AnyDataset;
  readonly method: 'mgd' | 'bp';
  readonly options?: Readonly<Record<string, OptionValue>>;
  /** η of θ ← θ − η·G (plain SGD, as the papers). */
  readonly lr: number;
  /** θσ: Gaussian noise on every parameter at every update. */
  readonly updateNoise?: number;
  readonly batchSize: number;
  /** Batches in a fixed order every epoch (the papers' GPU runs) instead of reshuffled. */
  readonly fixedOrder?: boolean;
  /** The budget: a run stops at this many steps or forward passes, whichever comes first. */
  readonly steps: number;
  readonly forwardPasses?: number;
  readonly evalEvery: number;
  readonly target: number;
  /** Stop once the target has held for this many evaluations in a row (0: run the whole budget). */
  readonly patience: number;
  readonly seed: number;
  /**
   * Measure, at every update, the angle between G_int and the exact gradient of the same
   * integrated cost: the sum over the update's steps of the backprop gradient of each
   * step's batch at θ (the batch held for τx steps, as the estimator holds it).
   */
  readonly angles?: boolean;
}

/** One evaluation: where the run stood and the accuracy there. */
export interface RunPoint {
  readonly step: number;
  /** Model evaluations on a batch so far (queries / batch size; the baseline counts). */
  readonly forwardPasses: number;
  readonly accuracy: number;
}

export interface TimeToTarget {
  readonly steps: number;
  readonly forwardPasses: number;
}

export interface MgdRunResult {
  readonly curve: readonly RunPoint[];
  /** The first evaluation at or above the target. */
  readonly firstHit?: TimeToTarget;
  /** The first evaluation after the last one below the target (absent when the run ended below it). */
  readonly staysAbove?: TimeToTarget;
  readonly final: number;
  readonly steps: number;
  readonly forwardPasses: number;
  readonly updates: number;
  /** Mean over updates of the angle between G_int and the exact gradient, degrees. */
  readonly meanAngle?: number;
  readonly seconds: number;
}

/**
 * One training run for the MGD studies: plain SGD on the method's estimate through
 * `trainStep`, accuracy every `evalEvery` steps, stopping at the budget or once the target
 * has held for `patience` evaluations. Seeds split as the trainer's do.
 */
export async function mgdRun(config: MgdRunConfig): Promise<MgdRunResult> {
  const { model, objective, train, evaluation, batchSize, seed, evalEvery, target, patience } = config;
  const estimator = createEstimator(config.method, { model, objective, seed: runSeeds(seed).noise }, config.options ?? {});
  const captured: { grad?: Float32Array } = {};
  const capture: StepHook<Record<string, never>> = {
    name: 'capture',
    init: () => ({}),
    afterEstimate: (state, estimate: Estimate) => {
      if (estimate.grad) captured.grad = estimate.grad.slice();
      return { estimate, state };
    },
  };
  const stepper: Stepper = {
    estimator,
    optimizer: updateNoise(config.updateNoise ?? 0, runStream(seed, 'updateNoise'), sgd(config.lr)),
    ...(config.angles && { hooks: [capture] }),
  };
  const evaluator = new Evaluator(model, objective);
  const exact = config.angles ? createEstimator('bp', { model, objective, seed: 0 }) : undefined;
  const taux = Number(config.options?.taux ?? 1);
  let held: Batch | undefined;
  let integrated: Float32Array | undefined;
  let state = initTrainState(stepper, model.init(runSeeds(seed).init), train.size);
  const curve: RunPoint[] = [];
  const angles: number[] = [];
  let forwardPasses = 0;
  let kept = 0;
  const start = performance.now();
  const measure = async () => {
    const { accuracy } = await evaluator.evaluate(state.params, evaluation);
    curve.push({ step: state.progress.step, forwardPasses, accuracy });
    kept = accuracy >= target ? kept + 1 : 0;
  };
  const budgetLeft = () => state.progress.step < config.steps && (config.forwardPasses === undefined || forwardPasses < config.forwardPasses) && !(patience > 0 && kept >= patience);
  try {
    await measure();
    for (let epoch = 0; budgetLeft(); epoch++) {
      const order = config.fixedOrder ? ({ shuffle: false } as const) : { seed, epoch };
      for (const batch of batches(train, { batchSize, ...order }) as Iterable<Batch>) {
        if (exact) {
          if (state.progress.step % taux === 0) held = batch;
          const g = (await exact.estimate(exact.init(state.params), { params: state.params, batch: held!, step: 0 })).estimate.grad!;
          integrated = integrated ? integrated.map((v, i) => v + g[i]!) : g;
        }
        captured.grad = undefined;
        const next = await trainStep(stepper, state, batch);
        state = next.state;
        forwardPasses += next.estimate.queries / batch.x.shape[0]!;
        if (captured.grad && integrated) {
          angles.push(angleDegrees(captured.grad, integrated));
          integrated = undefined;
        }
        if (state.progress.step % evalEvery === 0) await measure();
        if (!budgetLeft()) break;
      }
    }
    if (curve[curve.length - 1]!.step !== state.progress.step) await measure();
  } finally {
    await Promise.all([estimator.dispose(), evaluator.dispose(), exact?.dispose()]);
  }
  const at = (step: number | undefined) => {
    const point = curve.find((p) => p.step === step);
    return point && { steps: point.step, forwardPasses: point.forwardPasses };
  };
  const reached = timeToTarget(curve.map((p) => ({ x: p.step, y: p.accuracy })), target);
  const firstHit = at(reached.firstHit);
  const staysAbove = at(reached.staysAbove);
  const finite = angles.filter(Number.isFinite);
  return {
    curve,
    ...(firstHit && { firstHit }),
    ...(staysAbove && { staysAbove }),
    final: curve[curve.length - 1]!.accuracy,
    steps: state.progress.step,
    forwardPasses,
    updates: state.progress.updates,
    ...(config.angles && { meanAngle: finite.reduce((a, b) => a + b, 0) / finite.length }),
    seconds: (performance.now() - start) / 1000,
  };
}
