import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { broadcastTo } from '../engine/ops/broadcast-to.js';
import { concat } from '../engine/ops/concat.js';
import { mul } from '../engine/ops/mul.js';
import { reshape } from '../engine/ops/reshape.js';
import { slice } from '../engine/ops/slice.js';
import { sum } from '../engine/ops/sum.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import { jvp } from '../engine/transforms/jvp.js';
import type { Model } from '../nn/model.js';
import { DirectionBuffers, type Distribution, stepKey } from '../objectives/directions.js';
import type { Objective } from '../objectives/objective.js';
import { batchFeeds, programInputs } from '../objectives/program-inputs.js';
import type { Seed } from '../rng/stream.js';
import { checkOptions } from './options.js';
import { type EmptyState, emptyState } from '../state/state.js';
import { type EstimateRequest, type Estimated, type Estimator, defineEstimator, directionsFor, graph } from './estimator.js';
import { combine, runGradient } from './graph-outputs.js';
import { ProgramCache } from './program-cache.js';
import { directionGrid } from './rows.js';
import { meanOf, perExample } from './stats.js';

export interface ForwardGradientWeightsOptions {
  /** Directions K per step (a query budget overrides it). */
  readonly directions: number;
  readonly noise: Distribution;
}

/**
 * Forward gradient with weight perturbation, FG-W (Baydin et al. 2022; Ren et al. 2023):
 * for K directions vₖ ~ N(0, I) shaped like θ, one forward-mode pass gives the exact
 * directional derivative dₖ = ∇L · vₖ (no finite differences, no ε), and
 * g = (1/K) Σₖ dₖ vₖ is unbiased. The K tangent passes share one primal pass in one
 * engine call; each counts as one query per example. Under a mask, directions (and so
 * the estimate) are zero on masked entries.
 */
export class ForwardGradientWeights implements Estimator<EmptyState> {
  readonly name = 'fg-w';
  private readonly programs = new ProgramCache<string>();
  private readonly buffers: DirectionBuffers;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly options: ForwardGradientWeightsOptions & { readonly seed: Seed; readonly compile?: CompileOptions },
  ) {
    checkOptions('fg-w', fgW.options, options);
    this.buffers = new DirectionBuffers(model.layout);
  }

  /**
   * K tangent passes sharing one primal pass over the batch; or, `gridded`, each
   * direction k with its own slots x [K, slots, …]: θ broadcast to K copies carries
   * tangent k in copy k, and slot weights W [K, slots] combine the per-slot derivatives.
   */
  private build(k: number, gridded: boolean): Promise<Program> {
    const params = this.model.paramInputs();
    const directions = this.model.layout.entries.map((e) => input(`${e.name}:directions`, 'float32', [k, ...e.shape]));
    const slotWeights = input('slotWeights', 'float32', [k, 'batch']);
    const { x, y } = programInputs(this.model, this.objective, gridded ? [k] : []);
    let derivatives: Tensor;
    let losses: Tensor;
    if (gridded) {
      const copies = params.map((p) => broadcastTo(p, [k, ...p.shape]));
      losses = this.objective.loss(this.model.forward(x, copies, { lead: 1, inputLead: true }).out, y);
      [derivatives] = jvp([losses], new Map(copies.map((c, i) => [c, directions[i]!]))) as [Tensor];
    } else {
      losses = this.objective.loss(this.model.forward(x, params).out, y);
      const perDirection = Array.from({ length: k }, (_, d) => {
        const seeds = new Map(params.map((p, i) => [p, reshape(slice(directions[i]!, { starts: [d], ends: [d + 1], axes: [0] }), p.shape)]));
        return reshape(jvp([losses], seeds)[0]!, [1, 'batch']);
      });
      derivatives = concat(perDirection, 0);
    }
    const grad = combine(sum(mul(derivatives, slotWeights), 1), directions);
    return compile({ inputs: [x, y, ...params, ...directions, slotWeights], outputs: [losses, derivatives, ...grad] }, this.options.compile);
  }

  init(): EmptyState {
    return emptyState();
  }

  /** With an allocation, example i is evaluated under nᵢ of the directions (one query each). */
  async estimate(state: EmptyState, request: EstimateRequest): Promise<Estimated<EmptyState>> {
    const b = request.batch.y.shape[0]!;
    const grid = request.allocation && directionGrid(request.batch, request.allocation);
    const k = grid ? grid.k : directionsFor(request, this.options.directions, 1);
    const cols = grid ? grid.m : b;
    const program = this.programs.get(`${k}:${grid ? 'grid' : 'batch'}`, () => this.build(k, grid !== undefined));
    const key = stepKey(this.options.seed, request.step);
    const directions = this.buffers.fill(k, key, this.options.noise, 1, 0, request.mask);
    const weight = grid ? grid.weight : new Float32Array(k * b).fill(1 / (k * b));
    const feeds: Record<string, Feed> = {
      ...this.model.paramFeeds(request.params),
      ...(grid ? { x: new HostTensor('float32', [k, cols, ...this.model.inputShape], grid.x.data as Float32Array), y: grid.y } : batchFeeds(this.model, this.objective, request.batch)),
      slotWeights: new HostTensor('float32', [k, cols], weight),
    };
    this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:directions`] = directions[i]!));
    const { outputs, grad } = await runGradient(await program, feeds, 2);
    const example = grid ? grid.example : Int32Array.from({ length: k * b }, (_, j) => j % b);
    const rowLoss = float32Output(outputs, 0);
    const coefficients = float32Output(outputs, 1);
    const loss = grid ? perExample(rowLoss, grid.example, b).mean : rowLoss;
    const variance = perExample(coefficients, example, b).variance;
    return {
      estimate: {
        grad,
        loss: meanOf(loss),
        queries: k * cols,
        perExample: { loss, variance },
        samples: { kind: 'directions', key, distribution: this.options.noise, epsilon: 1, ...(request.mask && { mask: request.mask }), k, m: cols, coefficients, weight, example },
      },
      state,
    };
  }

  dispose(): Promise<void> {
    return this.programs.dispose();
  }
}

export const fgW = defineEstimator<ForwardGradientWeightsOptions>({
  name: 'fg-w',
  summary: 'forward gradient, weight perturbation: exact directional derivatives by forward mode along K random directions',
  paper: 'Baydin, Pearlmutter, Syme, Wood, Torr 2022, "Gradients without Backpropagation"; Ren et al. 2023, §3 (FG-W)',
  needs: 'forward-mode',
  options: {
    directions: { type: 'integer', default: 1, min: 1, help: 'directions (forward-mode passes) per step, K' },
    noise: { type: 'string', default: 'gaussian', choices: ['gaussian', 'rademacher'], help: 'direction distribution (both have E[zzᵀ] = I)' },
  },
  defaultLearningRate: 3e-3,
  allocation: { unit: 1, queriesPerExample: 4 },
  cost: (o, batch) => o.directions * batch,
  create: (context, options) => new ForwardGradientWeights(...graph('fg-w', context), { ...options, seed: context.seed, ...(context.compile && { compile: context.compile }) }),
});
