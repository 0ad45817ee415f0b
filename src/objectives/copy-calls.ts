import { type Batch, gatherRows } from '../data/batches.js';
import { HostTensor } from '../engine/ir/host-tensor.js';
import type { ParamLayout } from '../nn/params.js';
import { vectorKernel } from '../rng/noise.js';
import { CHUNK, appliedRatio } from '../rng/vector.js';
import { directionChunk, sharedAppliedStep } from './directions.js';
import { type LossRequest, type LossResult, type Perturbation, copiesOf } from './loss-oracle.js';

/**
 * The engine calls of a loss request, apart from where they run. A request's copies are
 * cut into calls once (`planCalls`, a pure function of the request and P); any set of
 * those calls can then be evaluated wherever a program of the same bytes runs — this
 * process, a worker thread, another machine — and the parts put together
 * (`assembleCalls`). Every call is the same computation wherever it runs, so the losses
 * are bit for bit those of evaluating the whole request in one place.
 */

/**
 * One copy a call evaluates and where its losses go (row `at` of the result): θ itself,
 * θ ± ε along direction `d` (noise, or the d-th coordinate), or θ + offsets row `d`.
 */
export interface CopyRow {
  readonly kind: 'base' | 'plus' | 'minus' | 'offset';
  readonly d: number;
  readonly at: number;
}

/** The copies of one engine call, in the order of its leading copy axis. */
export type CopyCall = readonly CopyRow[];

/**
 * Runs one engine call of `rows` copies: feeds by input name (x, y and each parameter's
 * [rows, …shape] block; [...shape] when `rows` is 0, see callRows) → per-example losses
 * [max(rows, 1), m]. `slotted`: x and y carry a leading
 * copy axis (allocated queries).
 */
export type CopyRunner = (rows: number, slotted: boolean, feeds: Record<string, HostTensor>) => Promise<Float32Array>;

/** What a set of calls gives back: losses row by row in call order ([rows, m]), and the applied steps of the directions whose + copy they formed. */
export interface CallsResult {
  readonly losses: Float32Array;
  readonly queries: number;
  /** Per `plus` row, in call order: the fraction of εzₖ the copies moved θ (see appliedFractions). */
  readonly applied: Float64Array;
}

/**
 * The copy-axis length of the program a call runs: the call's copies, or 0 for one
 * explicit offset copy without slots, run as a plain forward pass (copyProgram). Noise
 * directions keep the copy-axis program the golden test pins.
 */
export function callRows(call: CopyCall, slotted: boolean): number {
  return call.length === 1 && call[0]!.kind === 'offset' && !slotted ? 0 : call.length;
}

/**
 * The calls a request takes, in order: central pairs grouped so that a call holds whole
 * pairs (its + copies, then its − copies); forward differences θ first, then θ + εzₖ;
 * offsets in order; at most `rowsPerCall` copies a call.
 */
export function planCalls(request: LossRequest, dimension: number): CopyCall[] {
  const perCall = rowsPerCall(request, dimension);
  const rows = planRows(request.perturbation, perCall);
  const calls: CopyCall[] = [];
  for (let start = 0; start < rows.length; start += perCall) calls.push(rows.slice(start, start + perCall));
  return calls;
}

/** Examples per copy: slots per direction, or the batch size. */
export function slotsPerCopy(request: LossRequest): number {
  return request.slots ? request.slots.m : request.batch.x.shape[0]!;
}

/** Copies per call: the request's directions per call (copies of θ ± ε pairs, θ's own row), within `copyBytes`. */
function rowsPerCall(request: LossRequest, dimension: number): number {
  const p = request.perturbation;
  const total = copiesOf(p);
  const directions = request.directionsPerCall ?? total;
  const pairs = p.kind === 'coordinates' || (p.kind === 'noise' && p.scheme === 'central');
  const asked = pairs ? 2 * directions : p.kind === 'noise' ? directions + 1 : directions;
  const fits = request.copyBytes === undefined ? total : Math.max(1, Math.floor(request.copyBytes / (4 * dimension)));
  const rows = Math.min(total, asked, fits);
  // Pairs stay together where two fit: one draw of the direction serves both.
  return pairs && rows > 1 ? rows - (rows % 2) : rows;
}

function planRows(p: Perturbation, perCall: number): CopyRow[] {
  if (p.kind === 'offsets') return Array.from({ length: p.copies }, (_, d) => ({ kind: 'offset', d, at: d }));
  const k = p.kind === 'noise' ? p.count : p.coordinates.length;
  if (p.kind === 'noise' && p.scheme === 'forward') return [{ kind: 'base', d: 0, at: 0 }, ...Array.from({ length: k }, (_, d) => ({ kind: 'plus', d, at: 1 + d }) as const)];
  const group = Math.max(1, Math.floor(perCall / 2));
  const rows: CopyRow[] = [];
  for (let start = 0; start < k; start += group) {
    const ds = Array.from({ length: Math.min(group, k - start) }, (_, i) => start + i);
    rows.push(...ds.map((d) => ({ kind: 'plus', d, at: d }) as const), ...ds.map((d) => ({ kind: 'minus', d, at: k + d }) as const));
  }
  return rows;
}

/**
 * The result of a whole request from the results of its calls, given as consecutive runs
 * of the plan (`parts[i]` covers `calls[i]`): losses by each row's `at`, queries summed, and
 * the applied steps when the perturbation is noise.
 * @throws RangeError when a part's losses or applied steps do not match its calls.
 */
export function assembleCalls(request: LossRequest, parts: readonly { readonly calls: readonly CopyCall[]; readonly result: CallsResult }[]): LossResult {
  const p = request.perturbation;
  const m = slotsPerCopy(request);
  const losses = new Float32Array(copiesOf(p) * m);
  const applied = p.kind === 'noise' ? new Float64Array(p.count) : undefined;
  let queries = 0;
  for (const { calls, result } of parts) {
    const rows = calls.flat();
    const plus = rows.filter((row) => row.kind === 'plus');
    if (result.losses.length !== rows.length * m) throw new RangeError(`a part of ${rows.length} copies returned ${result.losses.length} losses (expected ${rows.length} × ${m})`);
    if (applied && result.applied.length !== plus.length) throw new RangeError(`a part forming ${plus.length} + copies returned ${result.applied.length} applied steps`);
    rows.forEach((row, r) => losses.set(result.losses.subarray(r * m, (r + 1) * m), row.at * m));
    if (applied) plus.forEach((row, i) => (applied[row.d] = result.applied[i]!));
    queries += result.queries;
  }
  return { losses, queries, ...(applied && { applied }) };
}

// Kernel slots: θ, the offset, the copy (a pair's + copy), the mask, a pair's − copy.
const THETA = 0;
const OFFSET = 1;
const COPY = 2;
const MASK = 3;
const MINUS = 4;

/**
 * Evaluates calls of a plan with a runner: the copies are formed on the host by the
 * per-parameter kernel, a chunk of θ at a time with each direction regenerated from its
 * key, into one buffer whose views are the call's parameter feeds, so neither the offsets
 * nor a second set of copies is ever held. Forming the copies also measures the step they
 * took along each noise direction.
 */
export class CopyEvaluator {
  /** One call's copies, [rows, P] with each parameter's [rows, …shape] block contiguous. */
  private copies = new Float32Array(0);

  constructor(
    readonly layout: ParamLayout,
    private readonly run: CopyRunner,
  ) {}

  /**
   * The losses of `calls` (from `planCalls(request)`) on a batch's feeds (x [b, …input],
   * y [b, …target], checked by the caller).
   */
  async evaluate(request: LossRequest, feeds: { readonly x: HostTensor<'float32'>; readonly y: HostTensor }, calls: readonly CopyCall[]): Promise<CallsResult> {
    const { params, perturbation: p, slots } = request;
    const m = slotsPerCopy(request);
    const rowCount = calls.reduce((n, call) => n + call.length, 0);
    const losses = new Float32Array(rowCount * m);
    const applied: number[] = [];
    let queries = 0;
    let r0 = 0;
    for (const call of calls) {
      const inputs: Record<string, HostTensor> = slots ? {} : { x: feeds.x, y: feeds.y };
      const rows = callRows(call, slots !== undefined);
      this.layout.entries.forEach((e) => (inputs[e.name] = new HostTensor('float32', rows === 0 ? e.shape : [rows, ...e.shape], this.copyView(call, params, e.offset, e.size))));
      // The directions whose applied step this call measures: one stands for all where they share it.
      const plus = call.filter((row) => row.kind === 'plus');
      const measured = p.kind === 'noise' && sharedAppliedStep(p.distribution, p.scheme) ? plus.slice(0, 1) : plus;
      const sums = p.kind === 'noise' ? new Map(measured.map((row) => [row.d, new Float64Array(8)])) : undefined;
      if (call.length > 1 || call[0]!.kind !== 'base') this.form(call, params, p, sums);
      if (slots) {
        const positions = new Int32Array(call.length * m);
        call.forEach((row, r) => positions.set(slots.example.subarray(row.d * m, (row.d + 1) * m), r * m));
        Object.assign(inputs, gatherRows({ x: feeds.x, y: feeds.y as Batch['y'] }, positions, [call.length, m]));
      }
      const out = await this.run(rows, slots !== undefined, inputs);
      if (out.length !== call.length * m) throw new RangeError(`an engine call of ${call.length} copies returned ${out.length} losses (expected ${call.length} × ${m})`);
      queries += out.length;
      losses.set(out, r0 * m);
      r0 += call.length;
      if (sums) for (const row of plus) applied.push(appliedRatio(sums.get(row.d) ?? sums.get(measured[0]!.d)!));
    }
    return { losses, queries, applied: Float64Array.from(applied) };
  }

  /** Parameter block [rows, …shape] of the call's copies: θ's own view for a call of θ alone. */
  private copyView(call: CopyCall, theta: Float32Array, offset: number, size: number): Float32Array {
    if (call.length === 1 && call[0]!.kind === 'base') return theta.subarray(offset, offset + size);
    const need = call.length * this.layout.size;
    if (this.copies.length < need) this.copies = new Float32Array(need);
    return this.copies.subarray(call.length * offset, call.length * (offset + size));
  }

  /**
   * Writes the call's copies, a chunk of each parameter at a time: θ's chunk is loaded
   * once, each direction drawn once for both of its signs (θ ± o in float32, as any
   * float32 consumer of the copies would form them, both in one pass), and the step
   * actually applied summed in that pass for the directions `sums` measures.
   */
  private form(call: CopyCall, theta: Float32Array, p: Perturbation, sums: Map<number, Float64Array> | undefined): void {
    const kernel = vectorKernel();
    const { slots } = kernel;
    const size = this.layout.size;
    const rows = call.length;
    const byDirection = new Map<number, number[]>();
    call.forEach((row, r) => {
      if (row.kind === 'plus' || row.kind === 'minus') byDirection.set(row.d, [...(byDirection.get(row.d) ?? []), r]);
    });
    for (const e of this.layout.entries) {
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
          const sum = sums?.get(d);
          const central = p.scheme === 'central';
          if (sum) kernel.applied(THETA, OFFSET, n, at, central, sum, { plus: COPY, minus: MINUS });
          else if (central) kernel.pair(COPY, MINUS, THETA, OFFSET, n);
          else kernel.add(COPY, THETA, OFFSET, n);
          for (const r of members) write(call[r]!.kind === 'plus' ? COPY : MINUS, r);
        }
      }
    }
  }
}
