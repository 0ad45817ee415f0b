import type { Feed } from '../engine/ir/bind.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { type CompileOptions, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import { vjp } from '../engine/transforms/vjp.js';
import type { ActivitySite, Model } from '../nn/model.js';
import { type Distribution, stepKey } from '../objectives/directions.js';
import type { Objective } from '../objectives/objective.js';
import { modelFeeds, programInputs } from '../objectives/program-inputs.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type ActivityProgram, noiseFeeds, noiseInputs, siteShapes } from './activity-noise.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, type Samples, directionsFor, graph } from './estimator.js';
import { gradientOutputs, runGradient } from './graph-outputs.js';
import { masked } from './mask.js';
import { ownership } from './ownership.js';
import { ProgramCache } from './program-cache.js';
import { type QueryRows, expandRows } from './rows.js';
import { columnStats, meanOf, perExample } from './stats.js';

export interface ForwardGradientActivitiesOptions {
  /** Directions K per step (a query budget overrides it). */
  readonly directions: number;
  readonly noise: Distribution;
  /**
   * Give the readout (the last layer) its exact gradient, a local computation on its
   * input, as Ren et al. do for readouts and local heads; false perturbs the output like
   * every other pre-activation.
   */
  readonly exactReadout: boolean;
}

/**
 * Forward gradient with activity perturbation, FG-A (Ren et al. 2023): every example gets
 * its own noise uᵢ ~ N(0, I) on every pre-activation z (on live ReLU units only); one
 * forward-mode pass gives each example's directional derivative dᵢ = ∇_z ℓᵢ · uᵢ, the
 * pre-activation gradient estimate is dᵢ uᵢ, and each layer's weight update is its local
 * map back from z: ΔW = Σᵢ xᵢ ⊗ dᵢuᵢ / b. Variance is lower than FG-W's by about the
 * fan-in, as only activations (not weights) are perturbed, independently per example.
 */
export class ForwardGradientActivities implements Estimator<EmptyState> {
  readonly name = 'fg-a';
  /** Keyed by K and whether the derivatives are computed (estimate) or given (rebuild). */
  private readonly programs = new ProgramCache<string, ActivityProgram>();

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: ForwardGradientActivitiesOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {
    checkOptions('fg-a', fgA.options, options);
  }

  private async build(k: number, given: boolean): Promise<ActivityProgram> {
    const { x, y } = programInputs(this.model, this.objective);
    const params = this.model.paramInputs();
    const { out, sites, blocks } = this.model.forward(x, params);
    const losses = this.objective.loss(out, y);
    const perturbed: ActivitySite[] = this.options.exactReadout ? sites : [...sites, { z: out, scope: 'output', block: blocks.length }];
    // Each row's share of the batch estimate: 1/(B·K), or 1/(B·nᵢ) for allocated queries.
    const weights = input('weights', 'float32', ['batch']);
    const noise = noiseInputs(perturbed, k);

    // One tangent pass per site and direction: each site's directional derivative sees
    // only its own perturbation (a tangent starting at site s only runs through the
    // layers after it, so all sites together cost about one full pass). The tangent may
    // start unmasked: the ReLU after the site masks it, so dᵢ = ∇_z ℓᵢ · (uᵢ ⊙ m) either way.
    // A rebuild takes the derivatives as inputs instead (from an estimate's samples).
    const derivatives: Tensor[] = [];
    const derivativeInputs: Tensor[] = [];
    const estimates = perturbed.map((site, s) => {
      let sum: Tensor | null = null;
      for (let d = 0; d < k; d++) {
        const u = noise[s]![d]!;
        const tangent = given ? input(`derivative:${s}:${d}`, 'float32', ['batch']) : jvp([losses], new Map([[site.z, u]]))[0]!;
        (given ? derivativeInputs : derivatives).push(given ? tangent : reshape(tangent, [1, 'batch']));
        const coefficient = reshape(mul(tangent, weights), ['batch', ...new Array<number>(site.z.rank - 1).fill(1)]);
        const term = mul(coefficient, site.mask ? mul(u, site.mask) : u);
        sum = sum === null ? term : add(sum, term);
      }
      return sum!;
    });

    const { owned } = ownership([...perturbed.map((s) => s.z), out], params);
    const grads = new Map<Tensor, Tensor>();
    const assign = (mine: readonly Tensor[], local: readonly Tensor[]) => mine.forEach((p, i) => grads.set(p, local[i]!));
    perturbed.forEach((site, s) => assign(owned[s]!, vjp([site.z], [estimates[s]!], owned[s]!)));
    // The readout's exact gradient: the local map from the loss to the last layer's weights.
    const readout = owned[perturbed.length]!;
    if (readout.length > 0) assign(readout, vjp([losses], [mul(weights, k)], readout));
    const gradient = gradientOutputs(params, grads);
    // Without perturbed sites (a lone readout layer, exact) there are no directional derivatives.
    const outputs = given ? gradient : derivatives.length > 0 ? [losses, concat(derivatives, 0), ...gradient] : [losses, ...gradient];
    const program = await compile({ inputs: [x, y, ...params, weights, ...noise.flat(), ...derivativeInputs], outputs }, this.options.compile);
    return { program, siteShapes: siteShapes(perturbed) };
  }

  init(): EmptyState {
    return emptyState();
  }

  /** This step's rows (an allocation repeats example i nᵢ times, one query each, K = 1), K and the feeds every program takes. */
  private async prepare(request: EstimateRequest, given: boolean) {
    const b = request.batch.y.shape[0]!;
    const rows: QueryRows | undefined = request.allocation && expandRows(request.batch, request.allocation);
    const k = rows ? 1 : directionsFor(request, this.options.directions, 1);
    const active = await this.programs.get(`${k}:${given}`, () => this.build(k, given));
    const q = rows ? rows.example.length : b;
    const key = stepKey(this.options.seed, request.step);
    const feeds: Record<string, Feed> = {
      ...modelFeeds(this.model, this.objective, request.params, rows?.batch ?? request.batch),
      weights: rows?.weight ?? new Float32Array(b).fill(1 / (b * k)),
      ...noiseFeeds(active.siteShapes, k, q, key, this.options.noise),
    };
    return { b, rows, k, q, key, feeds, program: active.program, sites: active.siteShapes.length };
  }

  /**
   * K tangent passes over the batch share one primal pass; with an allocation instead,
   * example i is repeated as nᵢ rows, each one query with its own noise.
   */
  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    const { b, rows, k, q, key, feeds, program, sites } = await this.prepare(request, false);
    const { outputs, grad } = await runGradient(program, feeds, sites > 0 ? 2 : 1);
    const rowLoss = float32Output(outputs, 0);
    const d = sites > 0 ? float32Output(outputs, 1) : undefined;
    const loss = rows ? perExample(rowLoss, rows.example, b).mean : rowLoss;
    const variance = d && (rows ? siteVariance(d, 1, q, (values) => perExample(values, rows.example, b).variance, b) : k > 1 ? siteVariance(d, k, b, (values) => columnStats(values, k).variance, b) : undefined);
    const example = rows?.example ?? Int32Array.from({ length: q }, (_, i) => i);
    return {
      estimate: {
        grad: masked(grad, request.mask),
        loss: meanOf(loss),
        queries: k * q,
        perExample: { loss, ...(variance && { variance }) },
        ...(d && { samples: { kind: 'activity', key, rows: q, k, coefficients: d, example } }),
      },
      state,
    };
  }

  /** The gradient from an estimate's samples: the same local maps, fed the recorded directional derivatives. */
  async rebuild(_state: EmptyState, request: EstimateRequest, samples: Samples): Promise<Float32Array> {
    if (samples.kind !== 'activity') throw new TypeError(`fg-a rebuilds from activity samples, not ${samples.kind}`);
    const { k, q, feeds, program, sites } = await this.prepare(request, true);
    if (samples.k !== k || samples.rows !== q || samples.coefficients.length !== sites * k * q) throw new RangeError('the samples do not belong to this request (directions, rows or sites differ)');
    for (let s = 0; s < sites; s++) for (let d = 0; d < k; d++) feeds[`derivative:${s}:${d}`] = samples.coefficients.subarray((s * k + d) * q, (s * k + d + 1) * q);
    return masked((await runGradient(program, feeds, 0)).grad, request.mask);
  }

  dispose(): Promise<void> {
    return this.programs.dispose();
  }
}

/**
 * Per example, the variance of one query's directional derivative, summed over sites:
 * `derivatives` holds, per site, K rows of q values, and `variance` reduces one site's
 * block to B per-example variances (across directions, or across an example's rows).
 */
function siteVariance(derivatives: Float32Array, k: number, q: number, variance: (block: Float32Array) => Float32Array, b: number): Float32Array {
  const total = new Float32Array(b);
  for (let start = 0; start < derivatives.length; start += k * q) {
    const v = variance(derivatives.subarray(start, start + k * q));
    for (let i = 0; i < b; i++) total[i]! += v[i]!;
  }
  return total;
}

export const fgA = defineEstimator<ForwardGradientActivitiesOptions>({
  name: 'fg-a',
  summary: 'forward gradient, activity perturbation: per-example noise on pre-activations, mapped to weights locally',
  paper: 'Ren, Kornblith, Liao, Hinton 2023, "Scaling Forward Gradient With Local Losses", §3 (FG-A)',
  needs: 'forward-mode',
  options: {
    directions: { type: 'integer', default: 1, min: 1, help: 'directions (noise draws per example) per step, K' },
    noise: { type: 'string', default: 'gaussian', choices: ['gaussian', 'rademacher'], help: 'noise distribution (both have E[uuᵀ] = I)' },
    exactReadout: { type: 'boolean', default: true, help: 'give the readout its exact local gradient, as Ren et al. do (false: perturb the output too)' },
  },
  defaultLearningRate: 3e-3,
  allocation: { unit: 1, queriesPerExample: 4 },
  cost: (o, batch) => o.directions * batch,
  create: (context, options) => new ForwardGradientActivities(...graph('fg-a', context), { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});
