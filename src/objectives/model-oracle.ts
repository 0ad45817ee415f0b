import { type Batch, gatherRows } from '../data/batches.js';
import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type Tensor, input } from '../engine/ir/tensor.js';
import { add } from '../engine/ops/add.js';
import { concat } from '../engine/ops/concat.js';
import { reshape } from '../engine/ops/reshape.js';
import { sub } from '../engine/ops/sub.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import { DirectionBuffers } from './directions.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest, copiesOf } from './loss-oracle.js';
import type { Objective } from './objective.js';
import { batchFeeds, programInputs } from './program-inputs.js';

/**
 * How a program forms its copies from θ and the offsets o [rows, …]: θ ± o (pairs), θ + o
 * (shift), or one θ + o run as a plain forward pass (single: explicit offsets one copy per
 * call, a device-like loop such as MGD's, with no copy axis to tile the activations along;
 * noise directions keep the copy-axis program whose numbers the golden test pins).
 */
type Form = 'pairs' | 'shift' | 'single';

/**
 * The loss oracle of a compiled model: copies of θ evaluated in as few engine calls as
 * memory allows. The graph takes θ and the offsets per parameter, forms the copies
 * itself (natively, no K·P work in JS), and runs the model with a leading copy axis, so
 * one call evaluates many copies on the batch. Noise offsets arrive pre-scaled by ε (the
 * generator scales for free); `directionsPerCall` bounds the copies held at once — one
 * per call keeps memory at inference level, as in MeZO.
 */
export class ModelLossOracle implements LossOracle {
  readonly dimension: number;
  private readonly programs = new Map<string, Promise<Program>>();
  /** Offsets of noise and coordinate directions, and of forward differences (a leading zero row: θ itself). */
  private readonly buffers: { readonly directions: DirectionBuffers; readonly withBase: DirectionBuffers };

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {
    this.dimension = model.layout.size;
    this.buffers = { directions: new DirectionBuffers(model.layout), withBase: new DirectionBuffers(model.layout, 1) };
  }

  /**
   * The program for `rows` offset rows. Without slots every copy sees the same batch
   * (x [batch, …] broadcast over the copies); with slots, offset row r's copies see their
   * own examples (x [rows, slots, …]).
   */
  private program(form: Form, rows: number, slotted: boolean): Promise<Program> {
    const key = `${form}:${rows}:${slotted}`;
    let program = this.programs.get(key);
    if (program === undefined) {
      const params = this.model.paramInputs();
      const { x, y } = programInputs(this.model, this.objective, slotted ? [rows] : []);
      const offsets = this.model.layout.entries.map((e) => input(`${e.name}:offsets`, 'float32', [rows, ...e.shape]));
      const single = form === 'single';
      const copies = params.map((p, i) => (form === 'pairs' ? concat([add(p, offsets[i]!), sub(p, offsets[i]!)], 0) : add(p, single ? reshape(offsets[i]!, p.shape) : offsets[i]!)));
      const twice = (t: Tensor) => (slotted && form === 'pairs' ? concat([t, t], 0) : t);
      const losses = this.objective.loss(this.model.forward(twice(x), copies, single ? {} : { lead: 1, inputLead: slotted }).out, twice(y));
      this.programs.set(key, (program = compile({ inputs: [x, y, ...params, ...offsets], outputs: [losses] }, this.compileOptions)));
    }
    return program;
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const { params, batch, perturbation: p, slots } = request;
    const { x, y } = batchFeeds(this.model, this.objective, batch);
    const b = x.shape[0]!;
    const m = slots ? slots.m : b;
    const losses = new Float32Array(copiesOf(p) * m);
    const common: Record<string, Feed> = { ...this.model.paramFeeds(params), ...(slots ? {} : { x, y }) };
    let queries = 0;
    const run = async (form: Form, offsets: readonly Float32Array[], rows: number, first = 0): Promise<Float32Array> => {
      const feeds: Record<string, Feed> = { ...common };
      this.model.layout.entries.forEach((e, i) => (feeds[`${e.name}:offsets`] = new HostTensor('float32', [rows, ...e.shape], offsets[i]!)));
      if (slots) {
        const own = gatherRows({ x, y: y as Batch['y'] }, slots.example.subarray(first * m, (first + rows) * m), [rows, m]);
        Object.assign(feeds, { x: own.x, y: own.y });
      }
      const out = float32Output(await (await this.program(form, rows, slots !== undefined)).run(feeds), 0);
      queries += out.length;
      return out;
    };

    if (p.kind === 'offsets') {
      const perCall = Math.min(p.copies, request.directionsPerCall ?? p.copies);
      for (let start = 0; start < p.copies; start += perCall) {
        const count = Math.min(perCall, p.copies - start);
        losses.set(await run(count === 1 && !slots ? 'single' : 'shift', this.splitOffsets(p.offsets, start, count), count), start * m);
      }
      return { losses, queries };
    }
    const k = p.kind === 'noise' ? p.count : p.coordinates.length;
    const perCall = Math.min(k, request.directionsPerCall ?? k);
    for (let start = 0; start < k; start += perCall) {
      const count = Math.min(perCall, k - start);
      const fill = (buffers: DirectionBuffers) => {
        if (p.kind === 'noise') return buffers.fill(count, p.key, p.distribution, p.epsilon, p.first + start, p.mask);
        const rows = buffers.zeroed(count);
        for (let d = 0; d < count; d++) buffers.setCoordinate(d, p.coordinates[start + d]!, p.epsilon);
        return rows;
      };
      if (p.kind === 'noise' && p.scheme === 'forward') {
        // θ itself is evaluated once, as the zero row of the first call.
        if (start === 0) losses.set(await run('shift', fill(this.buffers.withBase), count + 1), 0);
        else losses.set(await run('shift', fill(this.buffers.directions), count), (1 + start) * m);
      } else {
        const out = await run('pairs', fill(this.buffers.directions), count, start);
        losses.set(out.subarray(0, count * m), start * m);
        losses.set(out.subarray(count * m), (k + start) * m);
      }
    }
    return { losses, queries };
  }

  /** Rows [start, start + count) of offsets [copies, P] split per parameter, [count, …shape] each. */
  private splitOffsets(offsets: Float32Array, start: number, count: number): Float32Array[] {
    const size = this.dimension;
    return this.model.layout.entries.map((e) => {
      const out = new Float32Array(count * e.size);
      for (let c = 0; c < count; c++) out.set(offsets.subarray((start + c) * size + e.offset, (start + c) * size + e.offset + e.size), c * e.size);
      return out;
    });
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}
