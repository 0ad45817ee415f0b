import { HostTensor } from '../engine/ir/host-tensor.js';
import { formatShape } from '../engine/ir/shape.js';
import { BlackBoxModel } from '../engine/onnx/black-box.js';
import { activitySites, unsupportedNodes } from '../engine/onnx/import.js';
import { loadOnnx } from '../engine/onnx/load.js';
import type { OnnxGraph } from '../engine/onnx/read.js';
import { ESTIMATORS, createEstimator, descriptor } from '../estimators/registry.js';
import { onnxModel } from '../nn/onnx-model.js';
import { crossEntropyObjective } from '../objectives/objective.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const inspectCommand = {
  name: 'inspect',
  positionals: '<model.onnx>',
  summary:
    'Describes an ONNX model for fine-tuning: inputs, outputs, opset, op counts, parameters, unsupported ops, activity sites, and which methods apply (each is tried on a two-example batch).',
  flags: {
    json: { type: 'boolean', help: 'print one JSON object' },
  },
} as const satisfies Command;

/** Whether a method trains the model, and if not, why. */
export interface MethodCheck {
  readonly applies: boolean;
  readonly how: string;
}

export interface InspectReport {
  readonly file: string;
  readonly irVersion: number;
  readonly opset: number;
  readonly producer: string;
  readonly input: { readonly name: string; readonly dtype: string; readonly shape: readonly (number | string)[] };
  readonly outputs: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly (number | string)[] }[];
  readonly nodes: number;
  readonly ops: Readonly<Record<string, number>>;
  readonly parameters: readonly { readonly name: string; readonly shape: readonly number[]; readonly size: number }[];
  readonly parameterCount: number;
  readonly constants: number;
  readonly unsupported: readonly { readonly node: string; readonly op: string }[];
  readonly activitySites: readonly { readonly value: string; readonly relu: boolean }[];
  readonly methods: Readonly<Record<string, MethodCheck>>;
}

/** What each method needs, for the report. */
const NEEDS: Readonly<Record<string, string>> = {
  bp: 'reverse mode',
  fa: 'reverse mode',
  dfa: 'reverse mode inside each layer',
  'fg-w': 'forward mode (JVP) with weight copies',
  'fg-a': 'forward mode (JVP) and activity sites',
  lr: 'losses and activity sites',
  spsa: 'losses only, with weight copies',
  cge: 'losses only, with weight copies',
  rgf: 'losses only, with weight copies',
  prgf: 'losses only, with weight copies and a prior direction',
  surrogate: 'losses only, with weight copies and a surrogate of the query history',
  mgd: 'losses only (weight perturbation; node perturbation needs activity sites)',
};
const LOCAL = 'needs a model with local heads (localmixer)';
const LOSS_ONLY = new Set(Object.entries(ESTIMATORS).filter(([, d]) => d.needs === 'losses').map(([name]) => name));

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Tries each estimator on two zero examples; a method applies when its program builds and runs. */
async function checkMethods(graph: OnnxGraph): Promise<Record<string, MethodCheck>> {
  const methods: Record<string, MethodCheck> = {};
  const unsupported = unsupportedNodes(graph);
  let model: ReturnType<typeof onnxModel> | undefined;
  let buildError = unsupported.length > 0 ? `ops the importer does not map: ${unsupported.map((n) => `'${n.name}' (${n.opType})`).join(', ')}` : undefined;
  if (unsupported.length === 0) {
    try {
      model = onnxModel(graph);
    } catch (e) {
      buildError = message(e);
    }
  }
  const blackBox = async (): Promise<string | undefined> => {
    try {
      const box = await BlackBoxModel.create(graph, [...graph.initializers].filter(([, v]) => v.dtype === 'float32').map(([n]) => n));
      const dims = graph.input.shape.slice(1).map((d) => (typeof d === 'number' ? d : 1));
      await box.run(box.initial(), HostTensor.zeros('float32', [2, ...dims])).finally(() => box.dispose());
      return undefined;
    } catch (e) {
      return message(e);
    }
  };
  const boxError = model === undefined ? await blackBox() : undefined;
  for (const name of Object.keys(ESTIMATORS)) {
    if (name.startsWith('l-') || name.startsWith('lg-')) {
      methods[name] = { applies: false, how: LOCAL };
      continue;
    }
    if (model === undefined) {
      const why = buildError!;
      methods[name] = LOSS_ONLY.has(name) && boxError === undefined ? { applies: true, how: `through the black box (onnxruntime runs the file; ${why})` } : { applies: false, how: `${why}${LOSS_ONLY.has(name) ? `; black box: ${boxError}` : ''}` };
      continue;
    }
    try {
      const x = HostTensor.zeros('float32', [2, ...model.inputShape]);
      const y = new HostTensor('int64', [2], new BigInt64Array(2));
      const estimator = createEstimator(name, { model, objective: crossEntropyObjective(), seed: 0 }, 'directions' in descriptor(name).options ? { directions: 2 } : {});
      try {
        await estimator.estimate(estimator.init(model.init(0)), { params: model.init(0), batch: { x, y }, step: 0 });
      } finally {
        await estimator.dispose();
      }
      methods[name] = { applies: true, how: NEEDS[name] ?? (LOSS_ONLY.has(name) ? 'losses only' : 'the model graph') };
    } catch (e) {
      methods[name] = { applies: false, how: message(e) };
    }
  }
  return methods;
}

/** The report `forwardprop inspect` prints. Throws Error naming the file when it cannot be read. */
export async function inspectOnnx(path: string): Promise<InspectReport> {
  const graph = await loadOnnx(path);
  const ops: Record<string, number> = {};
  for (const n of graph.nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    ops[op] = (ops[op] ?? 0) + 1;
  }
  const floats = [...graph.initializers].filter(([, v]) => v.dtype === 'float32');
  return {
    file: path,
    irVersion: graph.irVersion,
    opset: graph.opset,
    producer: graph.producer,
    input: graph.input,
    outputs: graph.outputs,
    nodes: graph.nodes.length,
    ops: Object.fromEntries(Object.entries(ops).sort(([a], [b]) => a.localeCompare(b))),
    parameters: floats.map(([name, v]) => ({ name, shape: v.shape, size: v.size })),
    parameterCount: floats.reduce((n, [, v]) => n + v.size, 0),
    constants: graph.initializers.size - floats.length,
    unsupported: unsupportedNodes(graph).map((n) => ({ node: n.name, op: n.domain ? `${n.domain}.${n.opType}` : n.opType })),
    activitySites: [...activitySites(graph)].map(([value, { relu }]) => ({ value, relu })),
    methods: await checkMethods(graph),
  };
}

function format(r: InspectReport): string {
  const value = (v: { name: string; dtype: string; shape: readonly (number | string)[] }) => `${v.name} ${v.dtype}${formatShape(v.shape)}`;
  const width = Math.max(...r.parameters.map((p) => p.name.length), 8);
  const methods = Object.entries(r.methods);
  const methodWidth = Math.max(...methods.map(([name]) => name.length));
  return [
    `${r.file}: ONNX IR ${r.irVersion}, opset ${r.opset}${r.producer ? `, made by ${r.producer}` : ''}`,
    `input:   ${value(r.input)}`,
    `outputs: ${r.outputs.map(value).join(', ')}`,
    `ops:     ${r.nodes} nodes: ${Object.entries(r.ops).map(([op, n]) => `${op} ${n}`).join(', ')}`,
    `parameters: ${r.parameterCount.toLocaleString('en-US')} in ${r.parameters.length} float initializers${r.constants > 0 ? ` (and ${r.constants} integer constants)` : ''}`,
    ...r.parameters.map((p) => `  ${p.name.padEnd(width)} ${formatShape(p.shape).padEnd(14)} ${p.size.toLocaleString('en-US')}`),
    r.unsupported.length === 0 ? 'unsupported ops: none' : `unsupported ops (${r.unsupported.length} nodes): ${r.unsupported.map((u) => `'${u.node}' (${u.op})`).join(', ')}`,
    `activity sites (fg-a, lr): ${r.activitySites.length === 0 ? 'none' : r.activitySites.map((s) => `${s.value}${s.relu ? ' (relu)' : ''}`).join(', ')}`,
    'methods:',
    ...methods.map(([name, m]) => `  ${name.padEnd(methodWidth)} ${m.applies ? 'yes' : 'no '}  ${m.how}`),
  ].join('\n');
}

export async function runInspect(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(inspectCommand, argv);
  if (flags.help) {
    console.log(usage(inspectCommand));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`inspect takes exactly one .onnx file${positionals.length > 1 ? `, got ${positionals.length}` : ''}`);
  const report = await inspectOnnx(positionals[0]!);
  console.log(flags.json ? JSON.stringify(report) : format(report));
  return 0;
}
