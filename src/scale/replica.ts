import { directionSum } from '../objectives/directions.js';
import { readChunks } from '../rng/noise.js';
import { applyGradient, type GradientTransformation } from '../optim/transform.js';
import { type State, deserializeState } from '../state/state.js';
import { runOptimizer, runSchedule } from '../train/run-optimizer.js';
import type { Head, Snapshot, Update } from './messages.js';
import { sha256 } from './programs.js';

/**
 * A worker's copy of θ, rebuilt from the run's updates instead of received whole each
 * step: the evolution-strategies trick (Salimans et al. 2017, "Evolution strategies as a
 * scalable alternative to reinforcement learning", §2.1). An update of a loss-only method
 * is ĝ = Σₖ wₖ zₖ with zₖ regenerated from the step's key, so the record of a step is the
 * key and K weights; the replica feeds the same chunk source to the same optimiser
 * (runOptimizer, the run's schedule and the step's update count), which reproduces the
 * coordinator's θ bit for bit — and the optimiser's own state (momentum, Adam's moments)
 * along with it. A dense update (a snapshot of θ) replaces θ and ends the replay: after
 * it, every update of the session is dense.
 */
export class ThetaReplica {
  private optimizer: { readonly transform: GradientTransformation; state: State } | undefined;
  private hashed: { readonly version: number; readonly hash: string } | undefined;

  private constructor(
    readonly session: string,
    readonly theta: Float32Array,
    public version: number,
    optimizer: { readonly transform: GradientTransformation; state: State } | undefined,
  ) {
    this.optimizer = optimizer;
  }

  /**
   * The replica at a session's snapshot: θ, and with a replayed optimiser its state (the
   * snapshot's, or a fresh one).
   * @throws RangeError when the snapshot is not of the head's session or layout.
   */
  static fromSnapshot(head: Head, snapshot: Snapshot): ThetaReplica {
    if (snapshot.session !== head.session) throw new RangeError(`snapshot of session ${snapshot.session} for session ${head.session}`);
    const size = head.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    if (snapshot.theta.length !== size) throw new RangeError(`snapshot holds ${snapshot.theta.length} parameters, the model ${size}`);
    const theta = snapshot.theta.slice();
    let optimizer: { transform: GradientTransformation; state: State } | undefined;
    if (head.replay) {
      const transform = runOptimizer(head.replay, runSchedule(head.replay, head.replay.plannedSteps));
      const fresh = transform.init(theta);
      const saved = snapshot.optimizer;
      optimizer = { transform, state: saved ? deserializeState({ json: JSON.parse(saved.json), buffers: saved.buffers }, fresh) : fresh };
    }
    return new ThetaReplica(head.session, theta, snapshot.version, optimizer);
  }

  /**
   * Takes update `version + 1` of the session: the optimiser's step along the update's
   * directions, or θ from a dense snapshot (fetched by name).
   * @throws RangeError for an update of another session or version, or directions without a replayed optimiser.
   */
  async apply(update: Update, fetchSnapshot: (name: string) => Promise<Snapshot>): Promise<void> {
    if (update.session !== this.session || update.version !== this.version + 1) {
      throw new RangeError(`update ${update.session}/${update.version} does not follow θ ${this.session}/${this.version}`);
    }
    const step = update.step;
    if (step.kind === 'dense') {
      const snapshot = await fetchSnapshot(step.object);
      if (snapshot.session !== this.session || snapshot.version !== update.version || snapshot.theta.length !== this.theta.length) throw new RangeError(`snapshot ${step.object} is not θ ${this.session}/${update.version}`);
      this.theta.set(snapshot.theta);
      this.optimizer = undefined;
    } else {
      if (this.optimizer === undefined) throw new RangeError(`update ${update.version} replays directions, but the session's optimiser is not replayed (a dense update came first, or the head has none)`);
      const gradient = directionSum({ key: step.key, distribution: step.distribution, epsilon: step.epsilon, first: 0, count: step.weights.length }, step.weights, this.theta.length);
      // As trainStep hands it over: streamed when finite, written out otherwise.
      this.optimizer.state = applyGradient(this.optimizer.transform, gradient.finite ? gradient : readChunks(gradient), this.optimizer.state, this.theta, step.updates);
    }
    this.version = update.version;
  }

  /** SHA-256 of θ now (computed once per version). */
  async hash(): Promise<string> {
    if (this.hashed?.version !== this.version) this.hashed = { version: this.version, hash: await sha256(this.theta) };
    return this.hashed.hash;
  }
}
