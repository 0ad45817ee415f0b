import { type Batch, gatherRows } from '../data/batches.js';
import type { Feed } from '../engine/ir/bind.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import { vectorKernel } from '../rng/noise.js';
import { CHUNK, appliedRatio } from '../rng/vector.js';
import { directionChunk } from './directions.js';
import { type LossOracle, type LossRequest, type LossResult, type Perturbation, checkLossRequest, copiesOf } from './loss-oracle.js';
import type { Objective } from './objective.js';
import { batchFeeds, programInputs } from './program-inputs.js';

/**
 * One copy an engine call evaluates and where its losses go (row `at` of the result):
 * θ itself, θ ± ε along direction `d` (noise, or the d-th coordinate), or θ + offsets row `d`.
 */
interface Row {
  readonly kind: 'base' | 'plus' | 'minus' | 'offset';
  readonly d: number;
  readonly at: number;
}

// Kernel slots: θ, the offset, the copy, the mask.
const THETA = 0;
const OFFSET = 1;
const COPY = 2;
const MASK = 3;

/**
 * The loss oracle of a compiled model: copies of θ evaluated in as few engine calls as
 * memory allows. The copies are formed on the host by the per-parameter kernel, a chunk of
 * θ at a time with each direction regenerated from its key, into one buffer whose views
 * feed the program directly: the program is the model's forward pass with a leading copy
 * axis and nothing else, so neither the offsets nor a second set of copies is ever held.
 * The copies per call are bounded by `directionsPerCall` and by `copyBytes` — down to one
 * copy per call, MeZO's inference-level memory. Forming the copies also measures the step
 * they took along each noise direction, returned as `applied`.
 */
export class ModelLossOracle implements LossOracle {
  readonly dimension: number;
  private readonly programs = new Map<string, Promise<Program>>();
  /** One call's copies, [rows, P] with each parameter's [rows, …shape] block contiguous. */
  private copies = new Float32Array(0);

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {
    this.dimension = model.layout.size;
  }

  /**
   * The program for `rows` copies. Without slots every copy sees the same batch (x
   * [batch, …] broadcast over the copies); with slots, each copy sees its own examples
   * (x [rows, slots, …]). `rows` 0 is one explicit copy run as a plain forward pass, with
   * no copy axis to tile the activations along (a device-like loop such as MGD's, one
   * candidate at a time); noise directions keep the copy-axis program the golden test pins.
   */
  private program(rows: number, slotted: boolean): Promise<Program> {
    const key = `${rows}:${slotted}`;
    let program = this.programs.get(key);
    if (program === undefined) {
      const params = this.model.paramInputs(rows === 0 ? [] : [rows]);
      const { x, y } = programInputs(this.model, this.objective, slotted ? [rows] : []);
      const losses = this.objective.loss(this.model.forward(x, params, rows === 0 ? {} : { lead: 1, inputLead: slotted }).out, y);
      this.programs.set(key, (program = compile({ inputs: [x, y, ...params], outputs: [losses] }, this.compileOptions)));
    }
    return program;
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const { params, batch, perturbation: p, slots } = request;
    const { x, y } = batchFeeds(this.model, this.objective, batch);
    const m = slots ? slots.m : x.shape[0]!;
    const perCall = this.rowsPerCall(request);
    const rows = planRows(p, perCall);
    const losses = new Float32Array(copiesOf(p) * m);
    const sums = p.kind === 'noise' ? Array.from({ length: p.count }, () => new Float64Array(8)) : undefined;
    let queries = 0;
    for (let start = 0; start < rows.length; start += perCall) {
      const call = rows.slice(start, start + perCall);
      const feeds: Record<string, Feed> = slots ? {} : { x, y };
      const plain = call.length === 1 && call[0]!.kind === 'offset' && !slots;
      this.model.layout.entries.forEach((e) => (feeds[e.name] = new HostTensor('float32', plain ? e.shape : [call.length, ...e.shape], this.copyView(call, params, e.offset, e.size))));
      if (call.length > 1 || call[0]!.kind !== 'base') this.form(call, params, p, sums);
      if (slots) {
        const positions = new Int32Array(call.length * m);
        call.forEach((row, r) => positions.set(slots.example.subarray(row.d * m, (row.d + 1) * m), r * m));
        Object.assign(feeds, gatherRows({ x, y: y as Batch['y'] }, positions, [call.length, m]));
      }
      const out = float32Output(await (await this.program(plain ? 0 : call.length, slots !== undefined)).run(feeds), 0);
      queries += out.length;
      call.forEach((row, r) => losses.set(out.subarray(r * m, (r + 1) * m), row.at * m));
    }
    return { losses, queries, ...(sums && { applied: Float64Array.from(sums, appliedRatio) }) };
  }

  /** Copies per call: the request's directions per call (copies of θ ± ε pairs, θ's own row), within `copyBytes`. */
  private rowsPerCall(request: LossRequest): number {
    const p = request.perturbation;
    const total = copiesOf(p);
    const directions = request.directionsPerCall ?? total;
    const pairs = p.kind === 'coordinates' || (p.kind === 'noise' && p.scheme === 'central');
    const asked = pairs ? 2 * directions : p.kind === 'noise' ? directions + 1 : directions;
    const fits = request.copyBytes === undefined ? total : Math.max(1, Math.floor(request.copyBytes / (4 * this.dimension)));
    const rows = Math.min(total, asked, fits);
    // Pairs stay together where two fit: one draw of the direction serves both.
    return pairs && rows > 1 ? rows - (rows % 2) : rows;
  }

  /** Parameter block [rows, …shape] of the call's copies: θ's own view for a call of θ alone. */
  private copyView(call: readonly Row[], theta: Float32Array, offset: number, size: number): Float32Array {
    if (call.length === 1 && call[0]!.kind === 'base') return theta.subarray(offset, offset + size);
    const need = call.length * this.dimension;
    if (this.copies.length < need) this.copies = new Float32Array(need);
    return this.copies.subarray(call.length * offset, call.length * (offset + size));
  }

  /**
   * Writes the call's copies, a chunk of each parameter at a time: θ's chunk is loaded
   * once, each direction drawn once for both of its signs (θ ± o in float32, as any
   * float32 consumer of the copies would form them), and the step actually applied
   * summed where the direction's + copy is formed.
   */
  private form(call: readonly Row[], theta: Float32Array, p: Perturbation, sums: Float64Array[] | undefined): void {
    const kernel = vectorKernel();
    const { slots } = kernel;
    const size = this.dimension;
    const rows = call.length;
    const byDirection = new Map<number, number[]>();
    call.forEach((row, r) => {
      if (row.kind === 'plus' || row.kind === 'minus') byDirection.set(row.d, [...(byDirection.get(row.d) ?? []), r]);
    });
    for (const e of this.model.layout.entries) {
      const block = this.copies.subarray(rows * e.offset, rows * (e.offset + e.size));
      for (let j = 0; j < e.size; j += CHUNK) {
        const n = Math.min(CHUNK, e.size - j);
        const at = e.offset + j;
        const write = (slot: number, r: number) => block.set(slots[slot]!.subarray(0, n), r * e.size + j);
        slots[THETA]!.set(theta.subarray(at, at + n));
        call.forEach((row, r) => {
          if (row.kind === 'base') write(THETA, r);
          if (row.kind !== 'offset') return;
          slots[OFFSET]!.set((p as Extract<Perturbation, { kind: 'offsets' }>).offsets.subarray(row.d * size + at, row.d * size + at + n));
          kernel.add(COPY, THETA, OFFSET, n);
          write(COPY, r);
        });
        for (const [d, members] of byDirection) {
          if (p.kind === 'coordinates') {
            for (const r of members) {
              write(THETA, r);
              const i = p.coordinates[d]! - at;
              if (i >= 0 && i < n) block[r * e.size + j + i] = call[r]!.kind === 'plus' ? theta[at + i]! + Math.fround(p.epsilon) : theta[at + i]! - Math.fround(p.epsilon);
            }
            continue;
          }
          if (p.kind !== 'noise') continue;
          directionChunk(kernel, OFFSET, p.key, p.distribution, p.first + d, size, at, n, p.epsilon, p.mask, MASK);
          if (sums && members.some((r) => call[r]!.kind === 'plus')) kernel.applied(THETA, OFFSET, n, at, p.scheme === 'central', sums[d]!);
          for (const r of members) {
            if (call[r]!.kind === 'plus') kernel.add(COPY, THETA, OFFSET, n);
            else kernel.sub(COPY, THETA, OFFSET, n);
            write(COPY, r);
          }
        }
      }
    }
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}

/**
 * The copies a perturbation evaluates, in the order the calls take them: central pairs
 * grouped so that a call of `perCall` rows holds whole pairs (its + copies, then its −
 * copies); forward differences θ first, then θ + εzₖ; offsets in order. `at` places each
 * row's losses in the result layout (central [2, K, m], forward [K + 1, m], offsets [copies, m]).
 */
function planRows(p: Perturbation, perCall: number): Row[] {
  if (p.kind === 'offsets') return Array.from({ length: p.copies }, (_, d) => ({ kind: 'offset', d, at: d }));
  const k = p.kind === 'noise' ? p.count : p.coordinates.length;
  if (p.kind === 'noise' && p.scheme === 'forward') return [{ kind: 'base', d: 0, at: 0 }, ...Array.from({ length: k }, (_, d) => ({ kind: 'plus', d, at: 1 + d }) as const)];
  const group = Math.max(1, Math.floor(perCall / 2));
  const rows: Row[] = [];
  for (let start = 0; start < k; start += group) {
    const ds = Array.from({ length: Math.min(group, k - start) }, (_, i) => start + i);
    rows.push(...ds.map((d) => ({ kind: 'plus', d, at: d }) as const), ...ds.map((d) => ({ kind: 'minus', d, at: k + d }) as const));
  }
  return rows;
}
