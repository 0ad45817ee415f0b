import type { GraphSpec } from '../engine/ir/graph.js';
import { type CompileOptions, type Program, float32Output } from '../engine/runtime/backend.js';
import { compile } from '../engine/runtime/compile.js';
import type { Model } from '../nn/model.js';
import { CopyEvaluator, assembleCalls, planCalls } from './copy-calls.js';
import { type LossOracle, type LossRequest, type LossResult, checkLossRequest } from './loss-oracle.js';
import type { Objective } from './objective.js';
import { batchFeeds, programInputs } from './program-inputs.js';

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
  private readonly copies: CopyEvaluator;

  constructor(
    readonly model: Model,
    readonly objective: Objective,
    private readonly compileOptions: CompileOptions = {},
  ) {
    this.dimension = model.layout.size;
    this.copies = new CopyEvaluator(model.layout, async (rows, slotted, feeds) => float32Output(await (await this.program(rows, slotted)).run(feeds), 0));
  }

  private program(rows: number, slotted: boolean): Promise<Program> {
    const key = `${rows}:${slotted}`;
    let program = this.programs.get(key);
    if (program === undefined) this.programs.set(key, (program = compile(copyProgram(this.model, this.objective, rows, slotted), this.compileOptions)));
    return program;
  }

  async evaluate(request: LossRequest): Promise<LossResult> {
    checkLossRequest(request, this.dimension);
    const feeds = batchFeeds(this.model, this.objective, request.batch);
    const calls = planCalls(request, this.dimension);
    return assembleCalls(request, [{ calls, result: await this.copies.evaluate(request, feeds, calls) }]);
  }

  async dispose(): Promise<void> {
    const programs = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(programs.map(async (p) => (await p.catch(() => undefined))?.dispose()));
  }
}

/**
 * The program of one engine call of `rows` copies: the model's forward pass with a leading
 * copy axis and the objective's per-example losses [rows, batch]. Without slots every copy
 * sees the same batch (x [batch, …] broadcast over the copies); with slots, each copy sees
 * its own examples (x [rows, slots, …]). Inputs: x, y, then each parameter [rows, …shape]
 * under its name. `rows` 0 is one explicit copy run as a plain forward pass (parameters
 * [...shape], losses [batch]), with no copy axis to tile the activations along (a
 * device-like loop such as MGD's, one candidate at a time; see callRows).
 */
export function copyProgram(model: Model, objective: Objective, rows: number, slotted: boolean): GraphSpec {
  const params = model.paramInputs(rows === 0 ? [] : [rows]);
  const { x, y } = programInputs(model, objective, slotted ? [rows] : []);
  const losses = objective.loss(model.forward(x, params, rows === 0 ? {} : { lead: 1, inputLead: slotted }).out, y);
  return { inputs: [x, y, ...params], outputs: [losses] };
}
